/**
 * The page side of the kernel <-> page side channel (docs/kernel-page-protocol.md).
 *
 * A BroadcastChannel, because JupyterLite delivers frontend->kernel messages to
 * a running cell only after the cell ends; the channel bypasses that queue.
 * Every message is a structured-cloned object: nothing here is ever turned
 * into code.
 */

import type { IOpenResult } from './broker';
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

export interface IPageChannelOptions {
  /** Current, validated settings; read on every `hello`. */
  settings: () => Promise<IAuthSettings> | IAuthSettings;
  /** Performs `open` requests. */
  broker: { open(url: unknown): IOpenResult };
}

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
    switch (data.type) {
      case 'hello': {
        let settings: IAuthSettings;
        try {
          settings = await this._options.settings();
        } catch (error) {
          console.error(`${LOG_PREFIX} could not read settings:`, error);
          return;
        }
        this._post({ type: 'config', protocol: PROTOCOL_VERSION, settings });
        return;
      }
      case 'open': {
        // Without a string id the reply could not be matched: ignore.
        if (typeof data.id !== 'string') {
          return;
        }
        const result = this._options.broker.open(data.url);
        this._post({ type: 'open-result', id: data.id, ...result });
        return;
      }
      default:
        return;
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

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
