/**
 * The page side of the kernel <-> page side channel (docs/kernel-page-protocol.md).
 *
 * A BroadcastChannel, because JupyterLite delivers frontend->kernel messages to
 * a running cell only after the cell ends; the channel bypasses that queue.
 * Every message is a structured-cloned object: nothing here is ever turned
 * into code.
 */

import type { IOpenResult } from './broker';
import type { IFetchResult } from './fetch-broker';
import type { IHostSnapshot, ISendResult } from './host-bridge';
import type { IAuthSettings } from './settings';
import { LOG_PREFIX } from './settings';

export const PROTOCOL_VERSION = 1;

export const CHANNEL_PREFIX = 'jupyterlite-auth-';

/** The only value written into Python source; `attach` checks the same pattern. */
export const CHANNEL_NAME_RE = /^jupyterlite-auth-[0-9a-f]{32}$/;

/** A fresh, unguessable channel name: the prefix and 32 lowercase hex digits. */
export function newChannelName(
  getRandomValues: (array: Uint8Array) => Uint8Array = array =>
    crypto.getRandomValues(array)
): string {
  const bytes = getRandomValues(new Uint8Array(16));
  let hex = '';
  for (const byte of bytes) {
    hex += byte.toString(16).padStart(2, '0');
  }
  return CHANNEL_PREFIX + hex;
}

/** What the channel needs of a BroadcastChannel (so tests can pass a fake). */
export interface IPort {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(
    type: 'message',
    listener: (event: { data: unknown }) => void
  ): void;
  close(): void;
}

/** What the channel needs of the host bridge (src/host-bridge.ts). */
export interface IHostPort {
  /** The current state (and data), for `config`. */
  snapshot(): IHostSnapshot;
  /** Ask the host again; resolves once it answered or timed out. Never rejects. */
  request(): Promise<IHostSnapshot>;
  /** Send a payload to the host (`set-data`). */
  send(payload: unknown): ISendResult;
}

export interface IPageChannelOptions {
  /** Current, validated settings; read on every `hello`. */
  settings: () => Promise<IAuthSettings> | IAuthSettings;
  /** Performs `open` requests (one tab per `flow`). */
  broker: { open(url: unknown, flow?: unknown): IOpenResult };
  /** The host bridge; without it the host state is always `standalone`. */
  host?: IHostPort | null;
  /** Performs `fetch` requests (src/fetch-broker.ts); without it they fail. */
  fetcher?: { fetch(request: unknown, via: unknown): Promise<IFetchResult> } | null;
  /** What this page can do besides the basics, sent in `config` (e.g. `{widget: true}`). */
  features?: () => Record<string, unknown>;
}

const STANDALONE: IHostSnapshot = Object.freeze({ state: 'standalone' as const });

export class PageChannel {
  constructor(port: IPort, options: IPageChannelOptions) {
    this._port = port;
    this._options = options;
    this._listener = event => {
      void this.handle(event.data);
    };
    port.addEventListener('message', this._listener);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /**
   * Handle one message from the kernel. Malformed messages and unknown types
   * are ignored: the kernel side may be newer than this page.
   */
  async handle(data: unknown): Promise<void> {
    if (this._disposed || !isRecord(data) || typeof data.type !== 'string') {
      return;
    }
    if (data.type === 'hello') {
      return this._hello();
    }
    // Requests: without a string id the reply could not be matched, so a
    // request without one is ignored. Every other request gets one reply.
    if (typeof data.id !== 'string') {
      return;
    }
    const id = data.id;
    switch (data.type) {
      case 'open': {
        const result = this._options.broker.open(data.url, data.flow);
        this._post({ type: 'open-result', id, ...result });
        return;
      }
      case 'get-host-data': {
        let snapshot: IHostSnapshot;
        try {
          snapshot = this._options.host ? await this._options.host.request() : STANDALONE;
        } catch (error) {
          console.error(`${LOG_PREFIX} asking the host for data failed:`, error);
          snapshot = this._hostSnapshot();
        }
        this._post({ type: 'get-host-data-result', id, ...snapshot });
        return;
      }
      case 'send-to-host': {
        let result: ISendResult;
        const payload = sendPayload(data);
        if (!payload.ok) {
          result = { sent: false, reason: payload.reason };
        } else if (!this._options.host) {
          result = { sent: false, reason: 'standalone: no trusted host embeds this site' };
        } else {
          try {
            result = this._options.host.send(payload.value);
          } catch (error) {
            result = { sent: false, reason: `could not post to the host: ${String(error)}` };
          }
        }
        this._post({ type: 'send-to-host-result', id, ...result });
        return;
      }
      case 'fetch': {
        let result: IFetchResult;
        if (!this._options.fetcher) {
          result = { ok: false, error: 'refused: this page does not perform fetches' };
        } else {
          try {
            result = await this._options.fetcher.fetch(data.request, data.via);
          } catch (error) {
            result = { ok: false, error: `page error: ${String(error)}` };
          }
        }
        this._post({ type: 'fetch-result', id, ...result });
        return;
      }
      default:
        return;
    }
  }

  /** Answer `hello` with `config`. */
  private async _hello(): Promise<void> {
    let settings: IAuthSettings;
    try {
      settings = await this._options.settings();
    } catch (error) {
      console.error(`${LOG_PREFIX} could not read settings:`, error);
      return;
    }
    // Read after the settings: the page starts its host bridge before the
    // settings reader resolves, so this is the decided state.
    const host = this._hostSnapshot();
    const features = this._options.features?.() ?? {};
    this._post({ type: 'config', protocol: PROTOCOL_VERSION, settings, host, features });
  }

  /**
   * Tell the kernel its user asked to interrupt, or pressed the widget's Cancel for the
   * sign-in named `flow` (`cancel-sign-in`). JupyterLite cannot interrupt a running cell
   * without cross-origin isolation, so a sign-in that waits for confirmation hears it
   * here and stops.
   */
  postCancelSignIn(flow?: string): void {
    this._post({
      type: 'cancel-sign-in',
      protocol: PROTOCOL_VERSION,
      ...(flow !== undefined ? { flow } : {})
    });
  }

  /** Tell the kernel the host state changed (`host-data`). */
  postHostData(snapshot: IHostSnapshot): void {
    this._post({ type: 'host-data', protocol: PROTOCOL_VERSION, ...snapshot });
  }

  private _hostSnapshot(): IHostSnapshot {
    try {
      return this._options.host?.snapshot() ?? STANDALONE;
    } catch (error) {
      console.error(`${LOG_PREFIX} could not read the host state:`, error);
      return STANDALONE;
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._port.removeEventListener('message', this._listener);
    this._port.close();
  }

  private _post(message: Record<string, unknown>): void {
    if (this._disposed) {
      return;
    }
    try {
      this._port.postMessage(message);
    } catch (error) {
      console.error(`${LOG_PREFIX} could not post ${String(message.type)}:`, error);
    }
  }

  private _port: IPort;
  private _options: IPageChannelOptions;
  private _listener: (event: { data: unknown }) => void;
  private _disposed = false;
}

/**
 * The payload of a `send-to-host` request: `payloadJson` (JSON text, which
 * keeps odd strings exact) or else `payload` (a structured-cloned value).
 */
function sendPayload(
  data: Record<string, unknown>
): { ok: true; value: unknown } | { ok: false; reason: string } {
  if ('payloadJson' in data) {
    if (typeof data.payloadJson !== 'string') {
      return { ok: false, reason: 'refused: payloadJson must be a string of JSON' };
    }
    try {
      return { ok: true, value: JSON.parse(data.payloadJson) };
    } catch {
      return { ok: false, reason: 'refused: payloadJson is not valid JSON' };
    }
  }
  if ('payload' in data) {
    return { ok: true, value: data.payload };
  }
  return { ok: false, reason: 'refused: no payload' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
