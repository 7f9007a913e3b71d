/**
 * Debian's Chromium, launched and guarded exactly as the UI tests do it (support/ is imported,
 * not copied): the proxy sink refuses anything non-loopback and every context has a network
 * guard. The guard's routing layer is off (GUARD_ROUTE=0): it costs seconds of kernel start and
 * would be measured; the request listener and the proxy sink still flag and block.
 */
import { chromium, type Browser, type BrowserContext } from '@playwright/test';

import { CHROMIUM_PATH, chromiumArgs, proxyBypassList } from '../../ui-tests/support/chromium';
import { NetworkGuard } from '../../ui-tests/support/guard';
import { exposeJupyterApp, withSlash } from '../../ui-tests/support/jupyterlab';
import { EXTRA_ALLOWED_HOSTS } from '../../ui-tests/support/loopback';
import { ProxySink } from '../../ui-tests/support/proxy-sink';

export interface GuardedContext {
  context: BrowserContext;
  guard: NetworkGuard;
}

export class BenchBrowser {
  private constructor(
    readonly browser: Browser,
    private readonly sink: ProxySink,
  ) {}

  static async launch(): Promise<BenchBrowser> {
    process.env.GUARD_ROUTE ??= '0';
    const sink = await new ProxySink().start();
    const browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...chromiumArgs(), `--proxy-server=${sink.url}`, `--proxy-bypass-list=${proxyBypassList(EXTRA_ALLOWED_HOSTS)}`],
    });
    return new BenchBrowser(browser, sink);
  }

  get version(): string {
    return this.browser.version();
  }

  /** A fresh context (cold cache, empty storage) like a first visit, as the UI tests' config sets it. */
  async open(siteURL: string): Promise<GuardedContext> {
    const context = await this.browser.newContext({
      baseURL: withSlash(siteURL),
      viewport: { width: 1280, height: 720 },
      serviceWorkers: 'allow',
    });
    const guard = new NetworkGuard(this.sink);
    await guard.attach(context);
    await exposeJupyterApp(context);
    return { context, guard };
  }

  /** Closes the context; a benchmark that went off this machine is not a result. */
  async close({ context, guard }: GuardedContext): Promise<void> {
    await context.close();
    guard.finish();
    guard.assertClean();
  }

  async shutdown(): Promise<void> {
    await this.browser.close();
    await this.sink.close();
    const late = this.sink.entries.slice(this.sink.cursor);
    if (late.length) throw new Error(`network guard: non-loopback request(s) at shutdown: ${late.map((e) => e.line).join(', ')}`);
  }
}
