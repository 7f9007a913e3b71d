/**
 * The host bridge: the page's side of the platform's iframe messages
 * (docs/kernel-page-protocol.md, "Platform mode").
 *
 * When the site runs inside another page (an iframe) whose origin the site
 * trusts (setting `allowedHostOrigins`), the page asks it for data
 * (`get-data`) and passes what it sends (`set-data`) on to every kernel. The
 * host is whoever the parent window is, at the origin the browser reports for
 * it; anything else that posts to this window is dropped, counted and
 * debug-logged, never acted on. Messages to the host name its exact origin.
 *
 * Pure logic: the window is injected, so tests can run it with a fake.
 */

import type { IFetchRequest, IHostFetchOutcome } from './fetch-broker';
import { normalizeResponse } from './fetch-broker';
import type { IHostSettings } from './settings';
import { LOG_PREFIX } from './settings';

/** The host state kernels see. */
export type HostState = 'standalone' | 'waiting' | 'received' | 'none';

/** What kernels get in `config.host`, `host-data` and `get-host-data-result`. */
export interface IHostSnapshot {
  state: HostState;
  /** The host's last `set-data` payload; present only in state `received`. */
  data?: unknown;
  /**
   * The same payload as JSON text (`JSON.stringify`, which escapes lone
   * surrogates), so a kernel can rebuild it byte for byte; only with `data`.
   */
  dataJson?: string;
}

/** The `send-to-host-result` fields of the protocol (without type and id). */
export interface ISendResult {
  sent: boolean;
  reason?: string;
}

export const TO_HOST = 'from-iframe-to-host';
export const FROM_HOST = 'from-host-to-iframe';

/** Largest payload accepted from (or sent to) the host: 5 MiB of JSON (UTF-8). */
export const MAX_HOST_PAYLOAD_BYTES = 5 * 1024 * 1024;

/** The parts of a `message` event the bridge reads. */
export interface IMessageEventLike {
  readonly source: unknown;
  readonly origin: string;
  readonly data: unknown;
}

export type MessageListener = (event: IMessageEventLike) => void;

/** The parts of `window` the bridge uses. */
export interface IWindowLike {
  readonly parent: unknown;
  readonly location: { readonly ancestorOrigins?: ArrayLike<string> | null };
  readonly document: { readonly referrer: string };
  addEventListener(type: 'message', listener: MessageListener): void;
  removeEventListener(type: 'message', listener: MessageListener): void;
}

interface IPostTarget {
  postMessage(message: unknown, targetOrigin: string): void;
}

export interface ILogger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
}

const consoleLogger: ILogger = {
  debug: message => console.debug(`${LOG_PREFIX} ${message}`),
  info: message => console.info(`${LOG_PREFIX} ${message}`),
  warn: message => console.warn(`${LOG_PREFIX} ${message}`)
};

export interface IHostBridgeOptions {
  window: IWindowLike;
  /** Defaults to the console, prefixed. */
  log?: ILogger;
}

/** Whether this window is inside another (an iframe). Never throws. */
export function isEmbedded(win: Pick<IWindowLike, 'parent'>): boolean {
  try {
    return win.parent !== null && win.parent !== undefined && win.parent !== win;
  } catch {
    return true;
  }
}

/**
 * The parent page's origin as the browser reports it: `location.ancestorOrigins[0]`
 * (Chromium, Safari), else the origin of `document.referrer`. Null when unknown.
 */
export function parentOrigin(win: Pick<IWindowLike, 'location' | 'document'>): string | null {
  try {
    const ancestors = win.location.ancestorOrigins;
    if (ancestors && ancestors.length > 0 && typeof ancestors[0] === 'string') {
      return ancestors[0];
    }
  } catch {
    // fall through to the referrer
  }
  try {
    const referrer = win.document.referrer;
    return referrer ? new URL(referrer).origin : null;
  } catch {
    return null;
  }
}

export type JsonCheck = { ok: true; json: string } | { ok: false; problem: string };

/** Host payloads nested deeper than this are refused: kernels could not decode them. */
export const MAX_HOST_PAYLOAD_DEPTH = 100;

/** How deeply `json` (valid JSON text) nests arrays and objects. */
export function jsonDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \\ */) {
        i++;
      } else if (c === 34 /* " */) {
        inString = false;
      }
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      deepest = Math.max(deepest, ++depth);
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return deepest;
}

/**
 * Serialise `value` as JSON (as JSON.stringify converts: a Date becomes its
 * ISO string, NaN null) and check it: at most `maxBytes` of UTF-8, nested at
 * most MAX_HOST_PAYLOAD_DEPTH deep. Stringifies once. Never throws.
 */
export function checkJson(value: unknown, maxBytes = MAX_HOST_PAYLOAD_BYTES): JsonCheck {
  // A huge string is refused before being copied into JSON.
  if (typeof value === 'string' && value.length > maxBytes) {
    return { ok: false, problem: `larger than ${maxBytes} bytes` };
  }
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return { ok: false, problem: 'not serialisable as JSON' };
  }
  if (json === undefined) {
    return { ok: false, problem: 'not a JSON value' };
  }
  if (jsonDepth(json) > MAX_HOST_PAYLOAD_DEPTH) {
    return { ok: false, problem: `nested deeper than ${MAX_HOST_PAYLOAD_DEPTH} levels` };
  }
  // Every UTF-16 code unit is at least one UTF-8 byte, at most three.
  if (
    json.length > maxBytes ||
    (json.length * 3 > maxBytes && new TextEncoder().encode(json).length > maxBytes)
  ) {
    return { ok: false, problem: `larger than ${maxBytes} bytes` };
  }
  return { ok: true, json };
}

interface IPendingFetch {
  resolve: (outcome: IHostFetchOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface IPendingAsk {
  promise: Promise<IHostSnapshot>;
  resolve: (snapshot: IHostSnapshot) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class HostBridge {
  constructor(options: IHostBridgeOptions) {
    this._window = options.window;
    this._log = options.log ?? consoleLogger;
    this._listener = event => this._onMessage(event);
    this._idPrefix = randomHex(4) + '-';
  }

  /** The current host state. */
  get state(): HostState {
    return this._state;
  }

  /** The trusted host's origin; null while standalone. */
  get hostOrigin(): string | null {
    return this._hostOrigin;
  }

  /** Messages dropped so far (wrong source, origin, type, action, payload). */
  get dropped(): number {
    return this._dropped;
  }

  /** What kernels are told: the state, and the data once received. */
  snapshot(): IHostSnapshot {
    return this._state === 'received'
      ? { state: 'received', data: this._data, dataJson: this._dataJson }
      : { state: this._state };
  }

  /**
   * Called with the new snapshot whenever the state or the data changes
   * (every `set-data` counts as a change). Returns a function that unsubscribes.
   */
  onChange(listener: (snapshot: IHostSnapshot) => void): () => void {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  /**
   * Decide the state, once: standalone unless embedded by a page whose origin
   * is in `allowedHostOrigins`; then ask that page for data.
   */
  start(settings: IHostSettings): void {
    if (this._started || this._disposed) {
      return;
    }
    this._started = true;
    this._settings = settings;
    if (!isEmbedded(this._window)) {
      this._log.debug('host: not embedded; standalone');
      return;
    }
    // Listen from here on, so that messages from an untrusted parent are
    // counted (a wrong allowedHostOrigins is then easy to see).
    this._window.addEventListener('message', this._listener);
    const origin = parentOrigin(this._window);
    if (origin === null) {
      this._log.warn(
        'host: embedded, but the parent page\'s origin is unknown (no ancestorOrigins, no referrer); running standalone'
      );
      return;
    }
    if (!settings.allowedHostOrigins.includes(origin)) {
      const message = `host: embedded by ${origin}, which is not in the setting "allowedHostOrigins"; running standalone`;
      if (settings.allowedHostOrigins.length > 0) {
        this._log.warn(message);
      } else {
        this._log.info(message);
      }
      return;
    }
    this._hostOrigin = origin;
    this._log.info(`host: embedded by trusted host ${origin}; asking it for data`);
    void this._ask();
  }

  /**
   * Ask the host for data again (the kernel's `get-host-data`). Resolves with
   * the snapshot once the host answered or `hostDataTimeout` passed; at once
   * when standalone. Never rejects. Concurrent asks share one `get-data`.
   */
  request(): Promise<IHostSnapshot> {
    if (this._hostOrigin === null || this._disposed) {
      return Promise.resolve(this.snapshot());
    }
    return this._ask();
  }

  /** Send `payload` to the host (`set-data`, the kernel's `send-to-host`). */
  send(payload: unknown): ISendResult {
    if (this._hostOrigin === null || this._disposed) {
      return { sent: false, reason: 'standalone: no trusted host embeds this site' };
    }
    const check = checkJson(payload);
    if (!check.ok) {
      return { sent: false, reason: `refused: the payload is ${check.problem}` };
    }
    const error = this._post('set-data', JSON.parse(check.json));
    return error ? { sent: false, reason: `could not post to the host: ${error}` } : { sent: true };
  }

  /**
   * Ask the host to perform `request`. The host decides which URLs it
   * serves: an `error` answer is a refusal (`host refused: ...`), no answer
   * within `timeoutMs` a timeout (`host timeout: ...`). Never rejects.
   */
  fetch(request: IFetchRequest, timeoutMs: number): Promise<IHostFetchOutcome> {
    if (this._hostOrigin === null || this._disposed) {
      return Promise.resolve({
        ok: false,
        error: 'no host: the site is not embedded by a trusted host (setting allowedHostOrigins)'
      });
    }
    const id = `${this._idPrefix}${++this._fetchCount}`;
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this._pendingFetches.delete(id);
        resolve({
          ok: false,
          error: `host timeout: the host did not answer within ${timeoutMs} ms`
        });
      }, timeoutMs);
      this._pendingFetches.set(id, { resolve, timer });
      const error = this._post('fetch', { id, request });
      if (error) {
        clearTimeout(timer);
        this._pendingFetches.delete(id);
        resolve({ ok: false, error: `host error: could not post to the host: ${error}` });
      }
    });
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._window.removeEventListener('message', this._listener);
    this._listeners.clear();
    for (const pending of this._pendingFetches.values()) {
      clearTimeout(pending.timer);
      pending.resolve({ ok: false, error: 'host error: the page is closing' });
    }
    this._pendingFetches.clear();
    if (this._pendingAsk) {
      clearTimeout(this._pendingAsk.timer);
      this._pendingAsk.resolve(this.snapshot());
      this._pendingAsk = null;
    }
  }

  private _ask(): Promise<IHostSnapshot> {
    if (this._pendingAsk) {
      return this._pendingAsk.promise;
    }
    const timeoutMs = this._settings?.hostDataTimeout ?? 5000;
    let resolve!: (snapshot: IHostSnapshot) => void;
    const promise = new Promise<IHostSnapshot>(r => (resolve = r));
    const timer = setTimeout(() => {
      this._pendingAsk = null;
      if (this._state === 'waiting') {
        this._log.info(
          `host: no data from ${this._hostOrigin} within ${timeoutMs} ms (state none)`
        );
        this._setState('none');
      }
      resolve(this.snapshot());
    }, timeoutMs);
    this._pendingAsk = { promise, resolve, timer };
    // Data already received stays valid while the host is asked again.
    if (this._state !== 'received') {
      this._setState('waiting');
    }
    const error = this._post('get-data', {});
    if (error) {
      this._log.warn(`host: could not ask for data: ${error}`);
    }
    return promise;
  }

  /** Post to the host at its exact origin. Returns an error description, or null. */
  private _post(action: string, payload: unknown): string | null {
    try {
      (this._window.parent as IPostTarget).postMessage(
        { type: TO_HOST, action, payload },
        this._hostOrigin as string
      );
      return null;
    } catch (error) {
      return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
  }

  private _onMessage(event: IMessageEventLike): void {
    try {
      this._handle(event);
    } catch (error) {
      // Never let a message break the page.
      this._drop(`handling failed: ${String(error)}`, event);
    }
  }

  private _handle(event: IMessageEventLike): void {
    if (this._disposed) {
      return;
    }
    if (event.source !== this._window.parent) {
      return this._drop('not from the parent window', event);
    }
    if (this._hostOrigin === null || event.origin !== this._hostOrigin) {
      return this._drop('origin is not a trusted host', event);
    }
    const data = event.data;
    if (!isRecord(data) || data.type !== FROM_HOST) {
      return this._drop(`not a ${FROM_HOST} message`, event);
    }
    switch (data.action) {
      case 'set-data':
        return this._onSetData(data, event);
      case 'fetch-result':
        return this._onFetchResult(data.payload, event);
      case 'info':
        // Informational messages are part of the format; nothing to do.
        return;
      default:
        return this._drop(
          typeof data.action === 'string' ? `unknown action ${JSON.stringify(data.action.slice(0, 40))}` : 'no action',
          event
        );
    }
  }

  private _onSetData(data: Record<string, unknown>, event: IMessageEventLike): void {
    if (!('payload' in data)) {
      return this._drop('set-data without a payload', event);
    }
    const check = checkJson(data.payload);
    if (!check.ok) {
      return this._drop(`set-data payload is ${check.problem}`, event);
    }
    // Through JSON, so kernels get exactly a JSON value whatever was cloned.
    this._data = JSON.parse(check.json);
    this._dataJson = check.json;
    const first = this._state !== 'received';
    this._state = 'received';
    if (first) {
      this._log.info(`host: data received from ${this._hostOrigin} (state received)`);
    } else {
      this._log.debug('host: new data received');
    }
    if (this._pendingAsk) {
      clearTimeout(this._pendingAsk.timer);
      const ask = this._pendingAsk;
      this._pendingAsk = null;
      this._notify();
      ask.resolve(this.snapshot());
      return;
    }
    this._notify();
  }

  private _onFetchResult(payload: unknown, event: IMessageEventLike): void {
    if (!isRecord(payload)) {
      return this._drop('fetch-result payload is not an object', event);
    }
    if (typeof payload.id !== 'string') {
      return this._drop('fetch-result without an id', event);
    }
    const pending = this._pendingFetches.get(payload.id);
    if (!pending) {
      return this._drop('fetch-result for no pending request (late or unknown id)', event);
    }
    const check = checkJson(payload);
    if (!check.ok) {
      return this._drop(`fetch-result payload is ${check.problem}`, event);
    }
    this._pendingFetches.delete(payload.id);
    clearTimeout(pending.timer);
    if ('error' in payload && payload.error !== undefined && payload.error !== null) {
      const reason =
        typeof payload.error === 'string' && payload.error.trim()
          ? payload.error.slice(0, 500)
          : 'no reason given';
      // The host helper's own fetch failing is not a refusal: say which it was.
      const label = reason.startsWith('network error:') ? 'host' : 'host refused:';
      pending.resolve({ ok: false, error: `${label} ${reason}` });
      return;
    }
    const response = normalizeResponse(payload.response);
    pending.resolve(
      response
        ? { ok: true, response }
        : { ok: false, error: 'host error: the host answered without a valid response' }
    );
  }

  private _setState(state: HostState): void {
    if (this._state === state) {
      return;
    }
    this._state = state;
    this._notify();
  }

  private _notify(): void {
    const snapshot = this.snapshot();
    for (const listener of [...this._listeners]) {
      try {
        listener(snapshot);
      } catch (error) {
        this._log.warn(`host: a state listener failed: ${String(error)}`);
      }
    }
  }

  private _drop(reason: string, event: IMessageEventLike): void {
    this._dropped++;
    let origin = '?';
    try {
      origin = String(event.origin);
    } catch {
      // keep '?'
    }
    this._log.debug(
      `host: dropped a message from ${origin.slice(0, 200)}: ${reason} (${this._dropped} dropped so far)`
    );
  }

  private _window: IWindowLike;
  private _log: ILogger;
  private _listener: MessageListener;
  private _idPrefix: string;
  private _settings: IHostSettings | null = null;
  private _started = false;
  private _disposed = false;
  private _state: HostState = 'standalone';
  private _hostOrigin: string | null = null;
  private _data: unknown = undefined;
  private _dataJson = 'null';
  private _dropped = 0;
  private _fetchCount = 0;
  private _pendingAsk: IPendingAsk | null = null;
  private _pendingFetches = new Map<string, IPendingFetch>();
  private _listeners = new Set<(snapshot: IHostSnapshot) => void>();
}

function randomHex(bytes: number): string {
  const array = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(array, byte => byte.toString(16).padStart(2, '0')).join('');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
