/**
 * A site built the way a user builds one (scripts/any-site/build.sh, docs/quick-start.md): a new
 * venv with only jupyterlite-core, jupyterlite-pyodide-kernel and our wheel, an empty lite project
 * with the offline Pyodide, `jupyter lite build`. No settings for our plugin, no notebooks.
 *
 * Run by `make test-any-site`, which builds that site and serves it (env ANY_SITE=1, SITE_URL);
 * skipped in the other UI runs, whose SITE_URL is the reference site.
 */
import type { ConsoleMessage } from '@playwright/test';

import { confirmAsDevUser } from '../support/platform';
import { activeNotebook, cellOutputText, cells, expect, runCell, test, waitForApp, waitForKernelIdle } from './fixtures';

test.skip(!process.env.ANY_SITE, 'needs the site of scripts/any-site/build.sh: make test-any-site');

const IMPORT_CELL = 'from jupyterlite_auth import authenticate; print(authenticate)';
const CALL_CELL = 'await authenticate()';

test('a new notebook imports jupyterlite_auth with no further step; unconfigured, authenticate() says what to set; with an issuer it signs in', async ({
  page,
  networkGuard,
  platformURL,
}, testInfo) => {
  const ours: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.text().includes('[jupyterlite-auth]')) ours.push(`${message.type()}: ${message.text().slice(0, 500)}`);
  });

  // a new notebook, as a user makes one: the launcher's Python (Pyodide) notebook card
  const opened = Date.now();
  await page.goto('lab/index.html');
  await waitForApp(page);
  await page.locator('.jp-LauncherCard[data-category="Notebook"]').first().click();
  await activeNotebook(page).locator('.jp-Notebook .jp-Cell').first().waitFor({ state: 'visible' });
  await waitForKernelIdle(page);
  const kernelStartMs = Date.now() - opened;

  // type into the first cell; Shift+Enter runs it and makes the next one
  const editor = (index: number) => cells(page).nth(index).locator('.jp-InputArea-editor .cm-content');
  await editor(0).fill(IMPORT_CELL);
  await runCell(page, 0, { key: 'Shift+Enter' });
  expect((await cellOutputText(page, 0)).trim()).toMatch(/^<function authenticate at 0x[0-9a-f]+>$/);

  await editor(1).fill(CALL_CELL);
  await runCell(page, 1, { key: 'Shift+Enter' });
  const error = (await cellOutputText(page, 1)).trim();
  expect(error).toBe(
    "ConfigError: No OpenID Connect issuer is configured. Pass authenticate(issuer=...) or set OIDC_ISSUER" +
      " (or API_HOST for a platform whose provider is at /oidc), or set the site's 'issuer' setting.",
  );
  expect(error).not.toContain('Traceback');

  // with an issuer, the sign-in widget draws (the widget manager came with our wheel's dependency)
  await editor(2).fill(`await authenticate(issuer="${platformURL}oidc")`);
  await runCell(page, 2, { key: 'Shift+Enter', noWait: true });
  const widget = cells(page).nth(2).locator('.jla-widget');
  await expect(widget.locator('.jla-code')).toHaveText(/^[A-Z]{4}-[A-Z]{4}$/, { timeout: 60_000 });
  await widget.getByRole('button', { name: 'Cancel' }).click();
  await expect(cells(page).nth(2).locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/, { timeout: 30_000 });
  expect(await cellOutputText(page, 2)).toContain('Sign-in cancelled.');

  // run again and sign in: the cell keeps one output, the signed-in line, also in the notebook's JSON
  const tabEvent = page.context().waitForEvent('page');
  await runCell(page, 2, { key: 'Control+Enter', noWait: true });
  const tab = await tabEvent;
  await tab.waitForLoadState('domcontentloaded');
  await confirmAsDevUser(tab);
  await expect(cells(page).nth(2).locator('.jp-OutputArea-output')).toContainText('Signed in as Dev User', {
    timeout: 30_000,
  });
  await expect(cells(page).nth(2).locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/);
  // what saving writes (the model's JSON; saving an Untitled notebook first asks for a name)
  const saved = await page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.context.model.toJSON());
  expect(saved.cells[2].outputs.map((o: any) => o.output_type)).toEqual(['display_data']);

  // Pyodide and both wheels came from the site itself (the guard fails the test on anything else)
  const paths = networkGuard.requests.map((r) => new URL(r.url).pathname);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/static/pyodide/pyodide.mjs',
      '/static/pyodide/pyodide.asm.wasm',
      '/static/pyodide/pyodide-lock.json',
      expect.stringMatching(/^\/extensions\/jupyterlite-auth\/static\/pypi\/jupyterlite_auth-[^/]+-py3-none-any\.whl$/),
    ]),
  );
  // our extension bootstrapped the kernel, and said nothing worse than debug
  expect(ours.some((line) => /^debug: \[jupyterlite-auth\] kernel \S+ bootstrapped in/.test(line))).toBe(true);
  expect(ours.filter((line) => /^(warning|error):/.test(line))).toEqual([]);

  testInfo.annotations.push({ type: 'kernel-start-ms', description: String(kernelStartMs) });
  console.log(`any-site: page open -> new notebook's kernel idle: ${kernelStartMs} ms`);
});
