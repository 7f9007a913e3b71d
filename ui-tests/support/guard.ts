/**
 * The network guard: records what a browser context loads and fails the test when
 * anything goes to a host that is not loopback.
 *
 * Three layers, because no single Playwright API sees everything:
 *  1. `context.on('request')` - requests of pages, iframes, popups, dedicated
 *     workers (classic and module, nested too) and service workers (Chromium,
 *     `serviceWorkers: 'allow'`), plus `page.on('websocket')`.
 *  2. `context.route('**\/*')` - the same requests, aborted before they leave when
 *     their URL is not loopback.
 *  3. the proxy sink (support/proxy-sink.ts) - Chromium's proxy: whatever 1 and 2 miss
 *     (shared workers, WebSockets opened by workers, Chromium's own traffic) lands
 *     there, is recorded and refused. Nothing non-loopback can reach the network.
 *
 * Env GUARD_ROUTE=0 drops layer 2 (for timing runs: routing every request through
 * Playwright costs ~1-3 s of kernel start); layers 1 and 3 still flag and block.
 */
import type { BrowserContext, Page, Request, Route, Worker } from '@playwright/test';

import { isAllowedUrl } from './loopback';
import type { ProxySink } from './proxy-sink';

export type RequestSource = 'page' | 'service-worker';

export interface RecordedRequest {
  url: string;
  method: string;
  resourceType: string;
  source: RequestSource;
  /** URL of the frame that made it (for a dedicated worker: its page's frame). */
  frameUrl?: string;
  status?: number;
  failure?: string;
  at: number;
}

export interface Violation {
  url: string;
  /** Which layer saw it: request event, route, websocket, proxy sink. */
  via: 'request' | 'route' | 'websocket' | 'proxy-sink';
  detail: string;
}

export class NetworkGuard {
  readonly requests: RecordedRequest[] = [];
  readonly pages: string[] = [];
  readonly workers: string[] = [];
  readonly serviceWorkers: string[] = [];
  readonly websockets: string[] = [];
  readonly consoleErrors: string[] = [];
  private violationsList: Violation[] = [];
  private flagged = new WeakSet<Request>();
  private byRequest = new WeakMap<Request, RecordedRequest>();
  private sinkStart: number;
  private sinkEnd: number | undefined;
  private acknowledged = new Set<string>();
  private readonly started = Date.now();

  constructor(private readonly sink?: ProxySink) {
    // whatever reached the proxy since the previous test's guard finished counts here
    this.sinkStart = sink ? sink.cursor : 0;
  }

  /** Called when the test is over: later proxy entries belong to the next test. */
  finish(): void {
    if (!this.sink) return;
    this.sinkEnd = this.sink.entries.length;
    this.sink.cursor = Math.max(this.sink.cursor, this.sinkEnd);
  }

  /** Start watching a context (every test context is attached by the fixture). */
  async attach(context: BrowserContext): Promise<void> {
    context.on('request', (request) => this.onRequest(request));
    context.on('requestfinished', (request) => this.onDone(request));
    context.on('requestfailed', (request) => this.onDone(request));
    context.on('page', (page) => this.watchPage(page));
    context.on('serviceworker', (worker) => this.serviceWorkers.push(worker.url()));
    for (const page of context.pages()) this.watchPage(page);
    for (const worker of context.serviceWorkers()) this.serviceWorkers.push(worker.url());
    if (process.env.GUARD_ROUTE !== '0') await context.route('**/*', (route) => this.onRoute(route));
  }

  private watchPage(page: Page): void {
    this.pages.push(page.url());
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) this.pages.push(frame.url());
    });
    page.on('worker', (worker: Worker) => this.workers.push(worker.url()));
    page.on('websocket', (ws) => {
      this.websockets.push(ws.url());
      if (!isAllowedUrl(ws.url())) {
        this.violationsList.push({ url: ws.url(), via: 'websocket', detail: `WebSocket from ${page.url()}` });
      }
    });
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text().slice(0, 500));
    });
  }

  private onRequest(request: Request): void {
    const source: RequestSource = request.serviceWorker() ? 'service-worker' : 'page';
    let frameUrl: string | undefined;
    try {
      frameUrl = request.frame().url();
    } catch {
      frameUrl = undefined;
    }
    const entry: RecordedRequest = {
      url: request.url(),
      method: request.method(),
      resourceType: request.resourceType(),
      source,
      frameUrl,
      at: Date.now() - this.started,
    };
    this.requests.push(entry);
    this.byRequest.set(request, entry);
    this.check(request, 'request', `${source} ${request.resourceType()} from ${frameUrl ?? request.serviceWorker()?.url() ?? '?'}`);
  }

  private async onDone(request: Request): Promise<void> {
    const entry = this.byRequest.get(request);
    if (!entry) return;
    const failure = request.failure();
    if (failure) {
      entry.failure = failure.errorText;
      return;
    }
    try {
      entry.status = (await request.response())?.status();
    } catch {
      /* context closing */
    }
  }

  private async onRoute(route: Route): Promise<void> {
    const request = route.request();
    if (isAllowedUrl(request.url())) {
      await route.fallback();
      return;
    }
    this.check(request, 'route', `aborted ${request.resourceType()} request`);
    await route.abort('blockedbyclient');
  }

  private check(request: Request, via: Violation['via'], detail: string): void {
    if (isAllowedUrl(request.url()) || this.flagged.has(request)) return;
    this.flagged.add(request);
    this.violationsList.push({ url: request.url(), via, detail: `${request.method()} ${detail}` });
  }

  /** Every non-loopback request seen so far, by any layer (acknowledged ones excluded). */
  violations(): Violation[] {
    const fromSink: Violation[] = this.sink
      ? this.sink.entries.slice(this.sinkStart, this.sinkEnd).map((entry) => ({
          url: entry.url,
          via: 'proxy-sink' as const,
          detail: `${entry.line} (reached the guard proxy)`,
        }))
      : [];
    return [...this.violationsList, ...fromSink].filter((v) => !this.acknowledged.has(key(v)));
  }

  /**
   * For a test that makes non-loopback requests on purpose: returns the violations
   * whose URL matches and stops counting them against the test.
   */
  acknowledge(match: RegExp | ((v: Violation) => boolean)): Violation[] {
    const test = typeof match === 'function' ? match : (v: Violation) => match.test(v.url);
    const hits = this.violations().filter(test);
    for (const v of hits) this.acknowledged.add(key(v));
    return hits;
  }

  /** Throws, listing them, when there are violations left. */
  assertClean(): void {
    const left = this.violations();
    if (left.length) {
      const lines = left.map((v) => `  - [${v.via}] ${v.url} (${v.detail})`);
      throw new Error(
        `network guard: ${left.length} request(s) to a non-loopback address:\n${lines.join('\n')}`,
      );
    }
  }

  summary(): object {
    return {
      violations: this.violations(),
      acknowledged: [...this.acknowledged],
      pages: this.pages,
      workers: this.workers,
      serviceWorkers: this.serviceWorkers,
      websockets: this.websockets,
      consoleErrors: this.consoleErrors,
      requests: this.requests,
    };
  }
}

function key(v: Violation): string {
  return `${v.via} ${v.url} ${v.detail}`;
}
