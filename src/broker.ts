/**
 * The broker does for a kernel what a Web Worker cannot: open a tab.
 *
 * Only absolute http(s) URLs without credentials are opened; the kernel may
 * run code from anywhere (a shared notebook), so `javascript:`, `data:`,
 * relative or `user:pass@` URLs are refused rather than trusted.
 */

import { unparsableUrlReason } from './url-problem';

/** The `open-result` fields of the protocol (without type and id). */
export interface IOpenResult {
  opened: boolean;
  reason?: string;
}

export type UrlCheck = { ok: true; href: string } | { ok: false; reason: string };

// Longer than any sign-in URL; keeps a runaway kernel from handing the
// browser megabytes of URL.
export const MAX_URL_LENGTH = 8192;

/**
 * Decide whether `url` may be opened. Pure: no window, no side effects.
 *
 * On success `href` is the parser's serialisation, which is what gets opened,
 * so what was checked is exactly what the browser loads.
 */
export function checkOpenUrl(url: unknown): UrlCheck {
  if (typeof url !== 'string') {
    return { ok: false, reason: 'refused: url must be a string' };
  }
  if (url.length > MAX_URL_LENGTH) {
    return { ok: false, reason: 'refused: url too long' };
  }
  let parsed: URL;
  try {
    // No base URL: relative references ("/x", "//host/x", "x") throw here.
    parsed = new URL(url);
  } catch {
    return { ok: false, reason: `refused: ${unparsableUrlReason(url)}` };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return {
      ok: false,
      reason: `refused: scheme ${parsed.protocol} is not http: or https:`
    };
  }
  if (parsed.username !== '' || parsed.password !== '') {
    return { ok: false, reason: 'refused: url contains credentials' };
  }
  if (parsed.hostname === '') {
    return { ok: false, reason: 'refused: url has no host' };
  }
  return { ok: true, href: parsed.href };
}

/** The one window feature the broker uses; a parameter so tests can fake it. */
export type WindowOpen = (url: string, target: string) => IOpenedTab | null;

/** What the broker keeps of a tab it opened, to avoid opening a second one. */
export interface IOpenedTab {
  closed: boolean;
  opener: unknown;
  focus(): void;
}

/** A sign-in's name as the kernel sends it (py: secrets.token_hex(8)); anything else is ignored. */
export const FLOW_RE = /^[0-9a-f]{8,64}$/;

export class Broker {
  /**
   * @param windowOpen defaults to the page's `window.open`.
   */
  constructor(windowOpen?: WindowOpen) {
    this._windowOpen = windowOpen ?? ((url, target) => window.open(url, target));
  }

  /**
   * Open `url` in a new tab, or say why not. Never throws.
   *
   * With a `flow` (one sign-in), a tab this page opened for it and that is
   * still open is focused instead: the kernel's automatic open and the
   * widget's Open button never make two tabs for one sign-in.
   */
  open(url: unknown, flow?: unknown): IOpenResult {
    const check = checkOpenUrl(url);
    if (!check.ok) {
      return { opened: false, reason: check.reason };
    }
    const key = typeof flow === 'string' && FLOW_RE.test(flow) ? flow : null;
    const existing = key ? this._tabs.get(key) : undefined;
    if (existing && !existing.closed) {
      try {
        existing.focus();
      } catch {
        // Browsers may refuse to focus another tab; it is open either way.
      }
      return { opened: true, reason: 'already open' };
    }
    let opened: IOpenedTab | null;
    try {
      // No "noopener" feature: with it window.open always returns null, and a
      // popup blocker could not be told apart from success.
      opened = this._windowOpen(check.href, '_blank');
    } catch (error) {
      console.warn('[jupyterlite-auth] window.open failed:', error);
      opened = null;
    }
    if (!opened) {
      return { opened: false, reason: 'blocked' };
    }
    if (key) {
      this._remember(key, opened);
    }
    try {
      // The new tab must not be able to script or navigate this page.
      opened.opener = null;
    } catch {
      // Some browsers make opener read-only on cross-origin proxies; the
      // tab is open either way.
    }
    return { opened: true };
  }

  /** Forget tabs that were closed, and the oldest beyond a few dozen sign-ins. */
  private _remember(key: string, tab: IOpenedTab): void {
    for (const [name, old] of this._tabs) {
      if (old.closed) {
        this._tabs.delete(name);
      }
    }
    this._tabs.set(key, tab);
    while (this._tabs.size > MAX_TRACKED_TABS) {
      this._tabs.delete(this._tabs.keys().next().value as string);
    }
  }

  private _windowOpen: WindowOpen;
  private _tabs = new Map<string, IOpenedTab>();
}

const MAX_TRACKED_TABS = 32;
