/**
 * What the notebook sends to the platform, as the browser sees it (the Pyodide worker's fetches
 * included): when the code was issued, every device-code poll, when the tokens came. Device codes
 * and tokens are looked at only to classify a request, never kept.
 */
import type { BrowserContext, Request } from '@playwright/test';

import { now } from './stats';

export interface Hit {
  at: number;
  method: string;
  /** `/oidc/token (device_code)`, `/oidc/token (refresh_token)`, `/oidc/device/auth`, ... */
  what: string;
  status?: number;
}

export class PlatformTraffic {
  readonly hits: Hit[] = [];
  private byRequest = new WeakMap<Request, Hit>();

  constructor(context: BrowserContext, private readonly origin: string) {
    context.on('request', (request) => this.onRequest(request));
    context.on('response', (response) => {
      const hit = this.byRequest.get(response.request());
      if (hit) hit.status = response.status();
    });
  }

  private onRequest(request: Request): void {
    const url = new URL(request.url());
    // Not counted: the sign-in tab's pages (the person's, not the notebook's), and the copies
    // JupyterLite's service worker makes of the kernel's GETs (it passes them on: one request
    // reaches the platform, the browser reports two).
    if (url.origin !== this.origin || request.resourceType() === 'document' || request.serviceWorker()) return;
    let what = url.pathname;
    if (url.pathname.endsWith('/token') && request.method() === 'POST') {
      const grant = new URLSearchParams(request.postData() ?? '').get('grant_type') ?? '';
      what += grant.endsWith('device_code') ? ' (device_code)' : ` (${grant})`;
    }
    const hit = { at: now(), method: request.method(), what };
    this.hits.push(hit);
    this.byRequest.set(request, hit);
  }

  between(from: number, to: number): Hit[] {
    return this.hits.filter((h) => h.at >= from && h.at <= to);
  }

  /** Request counts by kind, e.g. `{"POST /oidc/device/auth": 1, "POST /oidc/token (device_code)": 2}`. */
  static count(hits: Hit[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const h of hits) counts[`${h.method} ${h.what}`] = (counts[`${h.method} ${h.what}`] ?? 0) + 1;
    return counts;
  }
}
