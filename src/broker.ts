/**
 * The broker does for a kernel what a Web Worker cannot: open a tab.
 *
 * Only absolute http(s) URLs without credentials are opened; the kernel may
 * run code from anywhere (a shared notebook), so `javascript:`, `data:`,
 * relative or `user:pass@` URLs are refused rather than trusted.
 */

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
    return { ok: false, reason: 'refused: not an absolute URL' };
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
export type WindowOpen = (url: string, target: string) => Window | null;

export class Broker {
  /**
   * @param windowOpen defaults to the page's `window.open`.
   */
  constructor(windowOpen?: WindowOpen) {
    this._windowOpen = windowOpen ?? ((url, target) => window.open(url, target));
  }

  /** Open `url` in a new tab, or say why not. Never throws. */
  open(url: unknown): IOpenResult {
    const check = checkOpenUrl(url);
    if (!check.ok) {
      return { opened: false, reason: check.reason };
    }
    let opened: Window | null;
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
    try {
      // The new tab must not be able to script or navigate this page.
      opened.opener = null;
    } catch {
      // Some browsers make opener read-only on cross-origin proxies; the
      // tab is open either way.
    }
    return { opened: true };
  }

  private _windowOpen: WindowOpen;
}
