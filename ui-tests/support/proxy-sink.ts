/**
 * The last line of the network guard: Chromium is started with
 * `--proxy-server=<this sink>` and a bypass list of loopback hosts, so every
 * request to any other host - from a page, a dedicated, shared or service worker,
 * a WebSocket, or Chromium itself - arrives here instead of leaving the machine.
 * The sink records it and answers with an error; it never connects anywhere.
 */
import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SinkEntry {
  /** `GET http://host/path`, `CONNECT host:443`, ... */
  line: string;
  /** The URL (http/ws), or `connect://host:port` for a tunnel (https, wss, ws). */
  url: string;
  at: number;
}

export class ProxySink {
  readonly entries: SinkEntry[] = [];
  /** Entries before this index were already reported by a test's guard. */
  cursor = 0;
  private server: http.Server;
  private sockets = new Set<Socket>();
  port = 0;

  constructor() {
    this.server = http.createServer((req, res) => {
      this.record(`${req.method} ${req.url}`, req.url || '');
      res.writeHead(502, { 'content-type': 'text/plain', connection: 'close' });
      res.end('blocked by the ui-tests network guard (non-loopback request)\n');
    });
    this.server.on('connect', (req: http.IncomingMessage, socket: Socket) => {
      this.record(`CONNECT ${req.url}`, `connect://${req.url}`);
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Socket) => {
      this.record(`UPGRADE ${req.url}`, req.url || '');
      socket.on('error', () => undefined);
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
    });
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  private record(line: string, url: string): void {
    this.entries.push({ line, url, at: Date.now() });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
