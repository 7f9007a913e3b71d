/**
 * The fixtures every UI test uses: `import { test, expect } from './fixtures'`.
 *
 * - Chromium is started with a proxy that is a local recorder (support/proxy-sink.ts), so
 *   no request to a non-loopback host can leave the machine.
 * - Every test's browser context is watched by a NetworkGuard (support/guard.ts); the test
 *   fails at the end if anything went to a non-loopback address. The full request log
 *   is attached to the test result as network-log.json.
 * - `exposeApp` (default true) makes JupyterLite set `window.jupyterapp`.
 *
 * A test that opens its own context (`browser.newContext()`) must call
 * `networkGuard.attach(context)` on it.
 */
import * as fs from 'node:fs';

import { test as base, expect } from '@playwright/test';

import { proxyBypassList } from '../support/chromium';
import { NetworkGuard } from '../support/guard';
import { exposeJupyterApp, PLATFORM_URL, SITE_URL } from '../support/jupyterlab';
import { EXTRA_ALLOWED_HOSTS } from '../support/loopback';
import { ProxySink } from '../support/proxy-sink';

export * from '../support/jupyterlab';
export type { Violation } from '../support/guard';

interface TestFixtures {
  networkGuard: NetworkGuard;
  /** Set `exposeAppInBrowser` in the site's jupyter-lite.json (default true). */
  exposeApp: boolean;
  /** The lite site (env SITE_URL), with a trailing slash. */
  siteURL: string;
  /** The dev platform (env PLATFORM_URL), with a trailing slash. */
  platformURL: string;
}

interface WorkerFixtures {
  proxySink: ProxySink;
  /**
   * Keep Chromium's popup blocker on (Playwright turns it off by default), for tests of
   * the blocked-tab path and of user activation. A worker option: `test.use({ popupBlocking: true })`.
   */
  popupBlocking: boolean;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  proxySink: [
    async ({}, use) => {
      const sink = await new ProxySink().start();
      await use(sink);
      await sink.close();
      // traffic after the last test (e.g. Chromium's own at shutdown) fails the run too
      const late = sink.entries.slice(sink.cursor);
      if (late.length) {
        throw new Error(
          `network guard: non-loopback request(s) after the last test:\n${late.map((e) => `  - ${e.line}`).join('\n')}`,
        );
      }
    },
    { scope: 'worker' },
  ],

  popupBlocking: [false, { option: true, scope: 'worker' }],

  launchOptions: [
    async ({ launchOptions, proxySink, popupBlocking }, use) => {
      await use({
        ...launchOptions,
        ...(popupBlocking ? { ignoreDefaultArgs: ['--disable-popup-blocking'] } : {}),
        args: [
          ...(launchOptions.args ?? []),
          `--proxy-server=${proxySink.url}`,
          `--proxy-bypass-list=${proxyBypassList(EXTRA_ALLOWED_HOSTS)}`,
        ],
      });
    },
    { scope: 'worker' },
  ],

  networkGuard: [
    async ({ proxySink }, use, testInfo) => {
      const guard = new NetworkGuard(proxySink);
      await use(guard);
      guard.finish();
      // the context is closed by now (it depends on this fixture): the log is complete
      const logPath = testInfo.outputPath('network-log.json');
      fs.writeFileSync(logPath, JSON.stringify(guard.summary(), null, 2));
      await testInfo.attach('network-log.json', { path: logPath, contentType: 'application/json' });
      guard.assertClean();
    },
    { auto: true },
  ],

  exposeApp: [true, { option: true }],

  context: async ({ context, networkGuard, exposeApp }, use) => {
    await networkGuard.attach(context);
    if (exposeApp) await exposeJupyterApp(context);
    await use(context);
  },

  siteURL: async ({}, use) => use(SITE_URL),
  platformURL: async ({}, use) => use(PLATFORM_URL),
});

export { expect };
