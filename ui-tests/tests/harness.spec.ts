/**
 * Tests of the test harness itself: the network guard catches non-loopback requests
 * from every place a page can make them, and Chromium runs with our switches.
 *
 * The "outside" hosts are all under .invalid (RFC 6761: never resolves), and the
 * guard aborts or swallows every such request before it could leave anyway.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import { DISABLED_FEATURES, PLAYWRIGHT_DISABLED_FEATURES } from '../support/chromium';
import { isAllowedUrl } from '../support/loopback';
import { expect, test } from './fixtures';

/** A throw-away loopback server with a page, worker scripts and a service worker. */
async function startFixtureServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const scripts: Record<string, string> = {
    '/worker.js': `
      fetch('http://guard-worker.invalid/from-dedicated-worker').catch(() => {});
      fetch('/local-from-worker').catch(() => {}).then(() => postMessage('done'));`,
    '/module-worker.js': `
      await fetch('http://guard-module-worker.invalid/from-module-worker').catch(() => {});
      await import('http://guard-module-worker.invalid/imported.mjs').catch(() => {});
      postMessage('done');`,
    '/outer-worker.js': `
      const inner = new Worker('/worker-nested.js');
      inner.onmessage = () => postMessage('done');`,
    '/worker-nested.js': `
      fetch('http://guard-nested-worker.invalid/from-nested-worker').catch(() => {}).then(() => postMessage('done'));`,
    '/shared-worker.js': `
      onconnect = (event) => {
        const port = event.ports[0];
        port.onmessage = () =>
          fetch('http://guard-shared-worker.invalid/from-shared-worker')
            .catch(() => {}).then(() => port.postMessage('done'));
        port.postMessage('ready');
      };`,
    '/sw.js': `
      self.addEventListener('install', (event) => {
        self.skipWaiting();
        event.waitUntil(fetch('http://guard-service-worker.invalid/from-service-worker').catch(() => {}));
      });
      self.addEventListener('activate', (event) => event.waitUntil(clients.claim()));`,
  };
  const server = http.createServer((req, res) => {
    const url = (req.url || '/').split('?')[0];
    if (url === '/' || url === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><title>guard</title><p>guard fixture page</p>');
    } else if (scripts[url]) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(scripts[url]);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test.describe('network guard', () => {
  test.use({ exposeApp: false });

  let fixture: { url: string; close: () => Promise<void> };
  test.beforeAll(async () => {
    fixture = await startFixtureServer();
  });
  test.afterAll(async () => {
    await fixture?.close();
  });

  test('knows loopback from everything else', () => {
    for (const ok of [
      'http://127.0.0.1:8701/lab/index.html',
      'http://127.8.9.10/',
      'http://localhost:8700/oidc',
      'http://app.localhost/',
      'ws://[::1]:9000/socket',
      'data:text/plain,hi',
      'blob:http://127.0.0.1:8701/2b1f',
      'about:blank',
    ]) {
      expect(isAllowedUrl(ok), ok).toBe(true);
    }
    for (const bad of [
      'https://cdn.jsdelivr.net/pyodide/v314.0.6/full/pyodide.mjs',
      'https://pypi.org/simple/',
      'http://10.0.0.1/',
      'http://192.168.1.1/',
      'http://128.0.0.1/',
      'http://127.0.0.1.example.invalid/',
      'http://localhost.invalid/',
      'http://[::2]/',
      'file:///etc/passwd',
      'ftp://127.0.0.1/',
      'not a url',
    ]) {
      expect(isAllowedUrl(bad), bad).toBe(false);
    }
  });

  test('catches non-loopback requests from the page, workers, service workers and popups', async ({
    page,
    networkGuard,
  }) => {
    await page.goto(`${fixture.url}/page.html`);
    await page.evaluate(async () => {
      const waitFor = (worker: Worker) =>
        new Promise((resolve) => {
          worker.onmessage = resolve;
        });
      // the page itself: fetch, an image, an iframe
      await fetch('http://guard-page.invalid/from-page').catch(() => undefined);
      const img = document.createElement('img');
      img.src = 'http://guard-page.invalid/image.png';
      document.body.appendChild(img);
      const frame = document.createElement('iframe');
      frame.src = 'http://guard-iframe.invalid/';
      document.body.appendChild(frame);
      // dedicated workers: classic, module (the Pyodide kernel is one), nested
      await waitFor(new Worker('/worker.js'));
      await waitFor(new Worker('/module-worker.js', { type: 'module' }));
      await waitFor(new Worker('/outer-worker.js'));
      // a popup
      window.open('http://guard-popup.invalid/', '_blank');
      // a service worker
      await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
    });

    const expected = [
      /guard-page\.invalid\/from-page/,
      /guard-page\.invalid\/image\.png/,
      /guard-iframe\.invalid/,
      /guard-worker\.invalid\/from-dedicated-worker/,
      /guard-module-worker\.invalid\/from-module-worker/,
      /guard-module-worker\.invalid\/imported\.mjs/,
      /guard-nested-worker\.invalid/,
      /guard-popup\.invalid/,
      /guard-service-worker\.invalid/,
    ];
    await expect
      .poll(() => expected.filter((re) => !networkGuard.violations().some((v) => re.test(v.url))).map(String), {
        timeout: 15_000,
      })
      .toEqual([]);

    // a test that made them would fail at teardown:
    expect(() => networkGuard.assertClean()).toThrow(/guard-page\.invalid/);
    // none of them left the machine: the route layer aborted each one, so the
    // guard proxy (last resort) never saw them
    const violations = networkGuard.violations();
    expect(violations.filter((v) => v.via === 'proxy-sink')).toEqual([]);
    const workerFetch = networkGuard.requests.find((r) => r.url.includes('from-dedicated-worker'));
    expect(workerFetch?.failure).toContain('ERR_BLOCKED_BY_CLIENT');
    const swFetch = networkGuard.requests.find((r) => r.url.includes('from-service-worker'));
    expect(swFetch?.source).toBe('service-worker');
    expect(networkGuard.workers.some((url) => url.endsWith('/module-worker.js'))).toBe(true);
    expect(networkGuard.serviceWorkers.some((url) => url.endsWith('/sw.js'))).toBe(true);

    // acknowledged: expected in this test only
    networkGuard.acknowledge(/\.invalid[:/]/);
    expect(networkGuard.violations()).toEqual([]);
  });

  test('the guard proxy catches what Playwright cannot see: shared workers, WebSockets', async ({
    page,
    networkGuard,
  }) => {
    await page.goto(`${fixture.url}/page.html`);
    await page.evaluate(async () => {
      const shared = new SharedWorker('/shared-worker.js');
      await new Promise((resolve) => {
        shared.port.onmessage = resolve;
      });
      const done = new Promise((resolve) => {
        shared.port.onmessage = resolve;
      });
      shared.port.postMessage('go');
      await done;
      await new Promise<void>((resolve) => {
        const ws = new WebSocket('ws://guard-websocket.invalid/socket');
        ws.onerror = () => resolve();
        ws.onclose = () => resolve();
      });
    });
    await expect
      .poll(() => networkGuard.violations().map((v) => `${v.via} ${v.url}`).sort(), { timeout: 15_000 })
      .toEqual([
        'proxy-sink connect://guard-websocket.invalid:80',
        'proxy-sink http://guard-shared-worker.invalid/from-shared-worker',
        'websocket ws://guard-websocket.invalid/socket',
      ]);
    expect(() => networkGuard.assertClean()).toThrow(/guard-shared-worker\.invalid/);
    networkGuard.acknowledge(/guard-(shared-worker|websocket)\.invalid/);
    expect(networkGuard.violations()).toEqual([]);
  });

  test('a test whose page makes a non-loopback request fails', async ({ page }) => {
    // expected to fail: the guard throws at teardown, naming the request
    test.fail(true, 'the network guard must fail this test');
    await page.goto(`${fixture.url}/page.html`);
    await page.evaluate(() => fetch('http://guard-unacknowledged.invalid/').catch(() => undefined));
  });

  test('a loopback-only page passes', async ({ page, networkGuard }) => {
    await page.goto(`${fixture.url}/page.html`);
    await page.evaluate(async () => {
      await fetch('/local').catch(() => undefined);
      await new Promise((resolve) => {
        new Worker('/worker-nested.js'.replace('worker-nested', 'missing')).onerror = resolve;
      });
    });
    expect(networkGuard.violations()).toEqual([]);
    expect(networkGuard.requests.map((r) => new URL(r.url).pathname)).toEqual(
      expect.arrayContaining(['/page.html', '/local']),
    );
  });
});

test.describe('chromium switches', () => {
  test("our --disable-features keeps every one of Playwright's defaults", () => {
    const bundle = path.join(
      path.dirname(require.resolve('playwright-core/package.json')),
      'lib',
      'coreBundle.js',
    );
    const source = fs.readFileSync(bundle, 'utf-8');
    const start = source.indexOf('disabledFeatures = [');
    expect(start, `disabledFeatures not found in ${bundle}: update support/chromium.ts by hand`).toBeGreaterThan(-1);
    const body = source.slice(start, source.indexOf(']', start)).replace(/\/\/[^\n]*/g, '');
    const defaults = [...body.matchAll(/"([A-Za-z0-9]+)"/g)].map((m) => m[1]);
    expect(defaults.length).toBeGreaterThan(5);
    expect(PLAYWRIGHT_DISABLED_FEATURES.slice().sort()).toEqual(defaults.slice().sort());
    for (const feature of [...defaults, 'AutofillServerCommunication']) {
      expect(DISABLED_FEATURES).toContain(feature);
    }
  });

  test('Chromium runs with one merged --disable-features and the guard proxy', async ({
    page,
    proxySink,
    networkGuard,
  }) => {
    // chrome://version shows the browser's command line (CDP's
    // Browser.getBrowserCommandLine needs --enable-automation, which we do not pass)
    await page.goto('chrome://version');
    const commandLine = await page.locator('#command_line').innerText();
    networkGuard.acknowledge((v) => v.url.startsWith('chrome://'));
    const args = commandLine.split(/\s+(?=--)/);
    const disable = args.filter((a) => a.startsWith('--disable-features='));
    expect(disable.length).toBeGreaterThan(0);
    const last = disable[disable.length - 1].split('=')[1].split(',');
    for (const feature of DISABLED_FEATURES) expect(last).toContain(feature);
    expect(args).toContain(`--proxy-server=${proxySink.url}`);
    expect(args).toContain('--gaia-url=http://127.0.0.1:9/');
    expect(args).toContain('--component-updater=url-source=http://127.0.0.1:9/');
    expect(args).toContain('--disable-background-networking');
  });
});
