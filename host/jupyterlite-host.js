// jupyterlite-host.js: the host side of jupyterlite-auth's platform mode.
//
// A platform page that embeds a JupyterLite site (with the jupyterlite-auth extension) in an
// iframe drops this file in and calls createHostBridge(). It speaks the platform's iframe-message
// format, {type: "from-iframe-to-host" | "from-host-to-iframe", action, payload}:
//
//   site -> host  get-data   {}                     answered with set-data (getData())
//   site -> host  set-data   any JSON value         passed to onSetData (the kernel's "data exchange")
//   site -> host  fetch      {id, request}          performed here if fetchPolicy allows, else refused
//   host -> site  set-data   any JSON value         the kernels' data_from_host
//   host -> site  fetch-result {id, response} | {id, error}
//
// Messages are accepted only from the iframe's window at the site's exact origin, and posted only
// to that origin (never "*"). Plain ES module, no dependencies. See README.md next to this file.

export const TO_HOST = 'from-iframe-to-host';
export const FROM_HOST = 'from-host-to-iframe';

/** The site drops host payloads larger than this (JSON, UTF-8 bytes); so does this helper. */
export const MAX_PAYLOAD_BYTES = 5 * 1024 * 1024;

/**
 * @typedef {object} FetchRequest  A request as the notebook's kernel asked for it.
 * @property {string} url          absolute http(s) URL
 * @property {string} method       upper-case method name, e.g. "GET"
 * @property {Record<string, string>} headers
 * @property {string | null} body
 */

/**
 * @typedef {object} FetchResponse
 * @property {number} status
 * @property {string} statusText
 * @property {Record<string, string>} headers
 * @property {string} body         the body as text
 */

/**
 * What fetchPolicy returns: false/undefined/null refuses the request; true performs it as asked;
 * an object performs it with these RequestInit fields merged over the request's (`headers` are
 * merged header by header, yours win). The default init is {credentials: "same-origin",
 * redirect: "error"}.
 * @typedef {boolean | null | undefined | RequestInit} FetchDecision
 */

/**
 * @typedef {object} HostBridgeOptions
 * @property {{contentWindow: unknown}} iframe   the iframe that shows the site
 * @property {string} siteOrigin    the site's exact origin, e.g. "https://notebooks.example.org"
 * @property {() => unknown | Promise<unknown>} [getData]  the data for get-data (any JSON
 *   value); omit it and get-data is never answered (the site then reports state "none")
 * @property {(payload: unknown) => void} [onSetData]  called with every set-data from the site
 * @property {(request: FetchRequest) => FetchDecision | Promise<FetchDecision>} [fetchPolicy]
 *   decides which fetches this page performs for the notebook; omit it and every fetch is refused
 * @property {Window} [window]      defaults to globalThis.window
 * @property {(input: string, init: RequestInit) => Promise<Response>} [fetch]  defaults to window.fetch
 * @property {(message: string) => void} [log]  debug log for dropped messages (default: none)
 */

/**
 * @typedef {object} HostBridge
 * @property {(payload: unknown) => boolean} sendData  push new data to the site (set-data);
 *   false when it was not sent (disposed, no iframe window, not JSON, too large)
 * @property {() => {received: number, dropped: number, answered: number, fetched: number, refused: number}} stats
 * @property {() => void} dispose   stop listening; pending answers are not sent
 */

/** @param {unknown} value */
function isRecord(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON size of `value` in UTF-8 bytes (exact above MAX_PAYLOAD_BYTES / 3, a lower bound below
 * it), or -1 when it is not a JSON value. Stringifies once.
 * @param {unknown} value
 */
export function jsonBytes(value) {
  let json;
  try {
    json = JSON.stringify(value);
  } catch {
    return -1;
  }
  if (json === undefined || jsonDepth(json) > MAX_PAYLOAD_DEPTH) return -1;
  return json.length * 3 <= MAX_PAYLOAD_BYTES ? json.length : new TextEncoder().encode(json).length;
}

/** The site drops host payloads nested deeper than this; so does this helper. */
export const MAX_PAYLOAD_DEPTH = 100;

/** How deeply valid JSON text nests arrays and objects. @param {string} json */
function jsonDepth(json) {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return deepest;
}

/**
 * Whether `value` is an exact origin ("https://host[:port]", as MessageEvent.origin spells it).
 * @param {unknown} value
 */
export function isExactOrigin(value) {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
  } catch {
    return false;
  }
}

/**
 * A fetchPolicy that serves requests to `origin` whose path starts with one of `prefixes` and
 * whose method is one of `methods` (default GET and HEAD: read-only), with `init` merged in (e.g.
 * your API's auth headers). Compares parsed URLs, so "/api/../admin" or
 * "https://api.example.org.evil.test/" do not pass; an encoded slash or backslash (%2F, %5C) in
 * the path does not pass either, since servers and proxies that decode it see another path.
 * @param {{origin: string, prefixes: string[], methods?: string[], init?: RequestInit}} options
 * @returns {(request: FetchRequest) => FetchDecision}
 */
export function allowPaths({ origin, prefixes, methods = ['GET', 'HEAD'], init = {} }) {
  if (!isExactOrigin(origin)) throw new TypeError(`allowPaths: origin must be an exact origin, got ${JSON.stringify(origin)}`);
  if (!Array.isArray(methods) || !methods.every((m) => typeof m === 'string' && m)) {
    throw new TypeError(`allowPaths: methods must be a list of HTTP method names, got ${JSON.stringify(methods)}`);
  }
  const allowed = new Set(methods.map((m) => m.toUpperCase()));
  return (request) => {
    let url;
    try {
      url = new URL(request.url);
    } catch {
      return false;
    }
    if (url.origin !== origin || url.username || url.password) return false;
    if (!allowed.has(request.method) || /%2f|%5c/i.test(url.pathname)) return false;
    return prefixes.some((prefix) => url.pathname.startsWith(prefix)) ? { ...init } : false;
  };
}

/** @param {unknown} raw @returns {FetchRequest | string} the request, or why it was refused */
function checkRequest(raw) {
  if (!isRecord(raw)) return 'request must be an object';
  if (typeof raw.url !== 'string') return 'request.url must be a string';
  let url;
  try {
    url = new URL(raw.url);
  } catch {
    return 'request.url must be an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'request.url must be http(s)';
  if (url.username || url.password) return 'request.url must not contain credentials';
  const method = raw.method === undefined || raw.method === null ? 'GET' : raw.method;
  if (typeof method !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(method)) return 'request.method is invalid';
  if (['CONNECT', 'TRACE', 'TRACK'].includes(method.toUpperCase())) return `request.method ${method.toUpperCase()} is not allowed`;
  /** @type {Record<string, string>} */
  const headers = {};
  if (raw.headers !== undefined && raw.headers !== null) {
    if (!isRecord(raw.headers)) return 'request.headers must be an object of strings';
    for (const [name, value] of Object.entries(raw.headers)) {
      if (typeof value !== 'string') return 'request.headers must be an object of strings';
      headers[name] = value;
    }
  }
  const body = raw.body === undefined ? null : raw.body;
  if (body !== null && typeof body !== 'string') return 'request.body must be a string or null';
  return { url: url.href, method: method.toUpperCase(), headers, body };
}

/**
 * Connect this page to the JupyterLite site in `iframe`.
 * @param {HostBridgeOptions} options
 * @returns {HostBridge}
 */
export function createHostBridge(options) {
  const { iframe, siteOrigin, getData, onSetData, fetchPolicy, log = () => {} } = options ?? {};
  const win = options?.window ?? globalThis.window;
  const doFetch = options?.fetch ?? ((input, init) => win.fetch(input, init));
  if (!iframe || typeof iframe !== 'object') throw new TypeError('createHostBridge: iframe is required');
  if (!isExactOrigin(siteOrigin)) {
    throw new TypeError(`createHostBridge: siteOrigin must be an exact origin such as "https://notebooks.example.org", got ${JSON.stringify(siteOrigin)}`);
  }
  if (!win || typeof win.addEventListener !== 'function') throw new TypeError('createHostBridge: no window');

  let disposed = false;
  const counts = { received: 0, dropped: 0, answered: 0, fetched: 0, refused: 0 };

  /** @param {string} reason @param {MessageEvent} event */
  function drop(reason, event) {
    counts.dropped++;
    log(`jupyterlite-host: dropped a message from ${String(event.origin).slice(0, 200)}: ${reason}`);
  }

  /** @param {string} action @param {unknown} payload @returns {boolean} */
  function post(action, payload) {
    // Looked up each time: the iframe's window changes when it navigates or reloads.
    const target = /** @type {{postMessage?: Function} | null} */ (iframe.contentWindow);
    if (disposed || !target || typeof target.postMessage !== 'function') return false;
    try {
      target.postMessage({ type: FROM_HOST, action, payload }, siteOrigin);
      return true;
    } catch (error) {
      log(`jupyterlite-host: could not post ${action}: ${error}`);
      return false;
    }
  }

  /** @param {unknown} payload */
  function sendData(payload) {
    const size = jsonBytes(payload);
    if (size < 0) {
      log('jupyterlite-host: not sent: the data is not a JSON value');
      return false;
    }
    if (size > MAX_PAYLOAD_BYTES) {
      log(`jupyterlite-host: not sent: the data is ${size} bytes of JSON; the site accepts at most ${MAX_PAYLOAD_BYTES}`);
      return false;
    }
    return post('set-data', payload);
  }

  async function answerGetData() {
    if (typeof getData !== 'function') return;
    let data;
    try {
      data = await getData();
    } catch (error) {
      log(`jupyterlite-host: getData failed, get-data not answered: ${error}`);
      return;
    }
    if (data === undefined) return;
    if (sendData(data)) counts.answered++;
  }

  /** @param {unknown} payload */
  async function answerFetch(payload) {
    const id = /** @type {{id: string}} */ (payload).id;
    /** @param {string} error */
    const refuse = (error) => {
      counts.refused++;
      post('fetch-result', { id, error });
    };
    const request = checkRequest(/** @type {{request: unknown}} */ (payload).request);
    if (typeof request === 'string') return refuse(`invalid request: ${request}`);
    if (typeof fetchPolicy !== 'function') return refuse('this host performs no fetches');
    let decision;
    try {
      decision = await fetchPolicy({ ...request, headers: { ...request.headers } });
    } catch (error) {
      return refuse(`the host's fetch policy failed: ${error}`);
    }
    if (!decision) return refuse(`not served by this host: ${request.method} ${request.url}`);
    const overrides = isRecord(decision) ? decision : {};
    /** @type {RequestInit} */
    const init = {
      method: request.method,
      body: request.body ?? undefined,
      // Your own API, with your page's cookies; a redirect elsewhere must not carry its headers.
      credentials: 'same-origin',
      redirect: 'error',
      ...overrides,
      headers: mergeHeaders(request.headers, headersObject(overrides.headers)),
    };
    let response;
    let body;
    try {
      response = await doFetch(request.url, init);
      body = await response.text();
    } catch (error) {
      counts.refused++;
      const reason = String(error instanceof Error ? error.message : error).replace(/\.+$/, '');
      return post('fetch-result', { id, error: `network error: ${reason} (a redirect, an unreachable server, or a refused request)` });
    }
    /** @type {Record<string, string>} */
    const headers = {};
    response.headers.forEach((value, name) => { headers[name] = value; });
    const result = { id, response: { status: response.status, statusText: response.statusText, headers, body } };
    const size = jsonBytes(result);
    if (size > MAX_PAYLOAD_BYTES) {
      return refuse(`response too large: ${size} bytes of JSON; the site accepts at most ${MAX_PAYLOAD_BYTES}`);
    }
    counts.fetched++;
    post('fetch-result', result);
  }

  /** @param {MessageEvent} event */
  function onMessage(event) {
    try {
      if (disposed) return;
      if (event.source !== iframe.contentWindow || event.source == null) return drop('not from the site\'s iframe', event);
      if (event.origin !== siteOrigin) return drop('not from the site\'s origin', event);
      const data = event.data;
      if (!isRecord(data) || data.type !== TO_HOST) return drop(`not a ${TO_HOST} message`, event);
      switch (data.action) {
        case 'get-data':
          void answerGetData();
          return;
        case 'set-data': {
          if (!('payload' in data)) return drop('set-data without a payload', event);
          const size = jsonBytes(data.payload);
          if (size < 0 || size > MAX_PAYLOAD_BYTES) return drop('set-data payload is not JSON or too large', event);
          counts.received++;
          if (typeof onSetData === 'function') {
            try {
              onSetData(data.payload);
            } catch (error) {
              log(`jupyterlite-host: onSetData failed: ${error}`);
            }
          }
          return;
        }
        case 'fetch': {
          const payload = data.payload;
          if (!isRecord(payload) || typeof payload.id !== 'string') return drop('fetch without an object payload and string id', event);
          void answerFetch(payload).catch((error) => log(`jupyterlite-host: fetch failed: ${error}`));
          return;
        }
        case 'info':
          return;
        default:
          return drop('unknown action', event);
      }
    } catch (error) {
      // Never let a message break the host page.
      log(`jupyterlite-host: message handling failed: ${error}`);
    }
  }

  win.addEventListener('message', onMessage);

  return {
    sendData,
    stats: () => ({ ...counts }),
    dispose() {
      if (disposed) return;
      disposed = true;
      win.removeEventListener('message', onMessage);
    },
  };
}

/**
 * The request's headers with `overrides` on top; names compare case-insensitively, so the page's
 * "X-Auth-Token" replaces a notebook's "x-auth-token" instead of being combined with it.
 * @param {Record<string, string>} base @param {Record<string, string>} overrides
 */
function mergeHeaders(base, overrides) {
  const replaced = new Set(Object.keys(overrides).map((name) => name.toLowerCase()));
  /** @type {Record<string, string>} */
  const merged = {};
  for (const [name, value] of Object.entries(base)) {
    if (!replaced.has(name.toLowerCase())) merged[name] = value;
  }
  return { ...merged, ...overrides };
}

/** @param {unknown} headers @returns {Record<string, string>} */
function headersObject(headers) {
  /** @type {Record<string, string>} */
  const out = {};
  if (!headers) return out;
  if (typeof (/** @type {any} */ (headers)).forEach === 'function' && !Array.isArray(headers)) {
    /** @type {Headers} */ (headers).forEach((value, name) => { out[name] = value; });
    return out;
  }
  const entries = Array.isArray(headers) ? headers : Object.entries(headers);
  for (const [name, value] of entries) out[name] = String(value);
  return out;
}
