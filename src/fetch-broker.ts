/**
 * The fetch broker performs an HTTP request for a kernel
 * (docs/kernel-page-protocol.md, "Platform mode"): through the trusted host
 * when there is one (the host's own API, same origin there: no CORS, no
 * long-lived token in the notebook), else with the page's own `fetch`.
 *
 * The request comes from kernel code, which may come from anywhere (a shared
 * notebook), so it is checked like an `open` URL: absolute http(s) only, no
 * credentials in the URL; the page's own fetch never sends cookies.
 */

import { checkOpenUrl } from './broker';
import type { HostState } from './host-bridge';

/** A request as the kernel sends it, after checking. */
export interface IFetchRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | null;
}

/** A response as the kernel gets it: the body as text, headers as a plain object. */
export interface IFetchResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: string | null;
}

/** The `fetch-result` fields of the protocol (without type and id). */
export type IFetchResult =
  | { ok: true; via: 'host' | 'page'; response: IFetchResponse }
  | { ok: false; error: string };

/** What a host fetch comes back with (the bridge's answer). */
export type IHostFetchOutcome =
  | { ok: true; response: IFetchResponse }
  | { ok: false; error: string };

export type FetchVia = 'auto' | 'host' | 'page';

const VIAS: readonly FetchVia[] = ['auto', 'host', 'page'];

// RFC 9110 token: methods and header names.
const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// The Fetch standard's forbidden methods: fetch() throws on them.
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
// Header values: no CR, LF or NUL (a browser would throw on them anyway).
const BAD_VALUE_RE = /[\r\n\0]/;

export type RequestCheck =
  | { ok: true; request: IFetchRequest }
  | { ok: false; reason: string };

/** Check and normalise a kernel's request. Pure. */
export function checkFetchRequest(raw: unknown): RequestCheck {
  if (!isRecord(raw)) {
    return { ok: false, reason: 'refused: request must be an object' };
  }
  const url = checkOpenUrl(raw.url);
  if (!url.ok) {
    return { ok: false, reason: url.reason };
  }
  let method = 'GET';
  if (raw.method !== undefined && raw.method !== null) {
    if (typeof raw.method !== 'string' || !TOKEN_RE.test(raw.method)) {
      return { ok: false, reason: 'refused: method must be an HTTP method name' };
    }
    method = raw.method.toUpperCase();
    if (FORBIDDEN_METHODS.has(method)) {
      return { ok: false, reason: `refused: method ${method} is not allowed (browsers forbid it)` };
    }
  }
  const headers: Record<string, string> = {};
  if (raw.headers !== undefined && raw.headers !== null) {
    if (!isRecord(raw.headers)) {
      return { ok: false, reason: 'refused: headers must be an object of strings' };
    }
    for (const [name, value] of Object.entries(raw.headers)) {
      if (!TOKEN_RE.test(name)) {
        return { ok: false, reason: `refused: invalid header name ${JSON.stringify(name)}` };
      }
      if (typeof value !== 'string' || BAD_VALUE_RE.test(value)) {
        return {
          ok: false,
          reason: `refused: header ${JSON.stringify(name)} must be a string without CR, LF or NUL`
        };
      }
      headers[name] = value;
    }
  }
  let body: string | null = null;
  if (raw.body !== undefined && raw.body !== null) {
    if (typeof raw.body !== 'string') {
      return { ok: false, reason: 'refused: body must be a string or null' };
    }
    if (method === 'GET' || method === 'HEAD') {
      return { ok: false, reason: `refused: a ${method} request cannot have a body` };
    }
    body = raw.body;
  }
  return { ok: true, request: { url: url.href, method, headers, body } };
}

/**
 * Check a response as a host sent it; null when it is not one. Header
 * values that are not strings are left out.
 */
export function normalizeResponse(raw: unknown): IFetchResponse | null {
  if (!isRecord(raw)) {
    return null;
  }
  const { status, statusText, headers, body } = raw;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 0 || status > 999) {
    return null;
  }
  if (statusText !== undefined && statusText !== null && typeof statusText !== 'string') {
    return null;
  }
  if (headers !== undefined && headers !== null && !isRecord(headers)) {
    return null;
  }
  if (body !== undefined && body !== null && typeof body !== 'string') {
    return null;
  }
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') {
      plain[name] = value;
    }
  }
  return {
    status,
    statusText: statusText ?? '',
    headers: plain,
    body: body ?? null
  };
}

/** What the broker needs of the host bridge. */
export interface IHostFetcher {
  readonly state: HostState;
  fetch(request: IFetchRequest, timeoutMs: number): Promise<IHostFetchOutcome>;
}

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface IFetchBrokerOptions {
  /** The host bridge; without it every request goes through the page. */
  host?: IHostFetcher | null;
  /** Defaults to the page's `fetch`. */
  fetch?: FetchFunction;
  /** The fetch timeout in ms (setting `hostFetchTimeout`), read per request. */
  timeout: () => number;
}

export class FetchBroker {
  constructor(options: IFetchBrokerOptions) {
    this._host = options.host ?? null;
    this._fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this._timeout = options.timeout;
  }

  /**
   * Perform a kernel's `fetch` request. Never rejects: every failure is an
   * `ok: false` result whose `error` starts with what happened:
   * `refused:` (the request was not acceptable), `no host:`, `host refused:`,
   * `host timeout:`, `host error:`, `network error:` or `timeout:`.
   */
  async fetch(rawRequest: unknown, rawVia: unknown = 'auto'): Promise<IFetchResult> {
    const via = rawVia === undefined || rawVia === null ? 'auto' : rawVia;
    if (typeof via !== 'string' || !VIAS.includes(via as FetchVia)) {
      return { ok: false, error: 'refused: via must be "auto", "host" or "page"' };
    }
    const check = checkFetchRequest(rawRequest);
    if (!check.ok) {
      return { ok: false, error: check.reason };
    }
    const timeoutMs = this._timeout();
    const hostState = this._host?.state ?? 'standalone';
    const useHost =
      via === 'host' ||
      (via === 'auto' && (hostState === 'received' || hostState === 'waiting'));
    if (!useHost) {
      return this._pageFetch(check.request, timeoutMs);
    }
    if (!this._host || hostState === 'standalone') {
      return {
        ok: false,
        error: 'no host: the site is not embedded by a trusted host (setting allowedHostOrigins)'
      };
    }
    try {
      const outcome = await this._host.fetch(check.request, timeoutMs);
      return outcome.ok ? { ok: true, via: 'host', response: outcome.response } : outcome;
    } catch (error) {
      return { ok: false, error: `host error: ${describeError(error)}` };
    }
  }

  private async _pageFetch(request: IFetchRequest, timeoutMs: number): Promise<IFetchResult> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await this._fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body ?? undefined,
        // The kernel never rides on the browser's cookies or HTTP auth.
        credentials: 'omit',
        cache: 'no-store',
        redirect: 'follow',
        signal: controller.signal
      });
      const body = await response.text();
      const headers: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        headers[name] = value;
      });
      return {
        ok: true,
        via: 'page',
        response: { status: response.status, statusText: response.statusText, headers, body }
      };
    } catch (error) {
      if (controller.signal.aborted) {
        return {
          ok: false,
          error: `timeout: no response from ${new URL(request.url).origin} within ${timeoutMs} ms`
        };
      }
      return {
        ok: false,
        error: `network error: ${describeError(error)} (${request.method} ${new URL(request.url).origin}: unreachable, or the server does not allow this site's origin by CORS)`
      };
    } finally {
      clearTimeout(timer);
    }
  }

  private _host: IHostFetcher | null;
  private _fetch: FetchFunction;
  private _timeout: () => number;
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    return `${error.name}: ${error.message}`;
  }
  return String(error);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
