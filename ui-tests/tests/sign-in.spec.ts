/**
 * The whole standalone path in the built site: Shift+Enter on `await authenticate()`, the code
 * shows, the sign-in page opens in a new tab, CONFIRM + dev sign-in, the cell ends signed in, and
 * the next cells call the dev platform's API with the token. And: CANCEL ends the cell with a
 * clear access-denied error after one more poll, with no hang.
 */
import type { Page } from '@playwright/test';

import { deviceStats as stats, newestDevice as newest, confirmAsDevUser } from '../support/platform';
import { expect, openNotebook, outputText, cellByIndex, runCell, test, waitForKernelIdle } from './fixtures';

const NOTEBOOK = 'sign-in.ipynb';
const CODE = /\b[A-Z]{4}-[A-Z]{4}\b/;

/** Shift+Enter on the sign-in cell; returns the sign-in tab the page opens and the code shown. */
async function startSignIn(page: Page): Promise<{ tab: Page; code: string }> {
  const opened = page.context().waitForEvent('page');
  await runCell(page, 1, { key: 'Shift+Enter', noWait: true });
  const cell = cellByIndex(page, 1);
  await expect(cell.locator('.jp-OutputArea-output')).toContainText('Authentication Required', { timeout: 60_000 });
  const code = (await outputText(cell)).match(CODE)?.[0];
  expect(code, 'the user code is shown').toBeTruthy();
  if (process.env.DOCS_SCREENSHOTS) {
    // `DOCS_SCREENSHOTS=1 make test-ui` refreshes the README's picture
    await cell.screenshot({ path: `${__dirname}/../../docs/images/sign-in-waiting.png` });
  }
  const tab = await opened;
  await tab.waitForLoadState('domcontentloaded');
  return { tab, code: code! };
}

test.beforeEach(async ({ page }) => {
  await openNotebook(page, NOTEBOOK);
  await waitForKernelIdle(page, { path: NOTEBOOK });
});

test('sign in with the device flow, then call the API with the token', async ({ page, platformURL }) => {
  // what the provider issued, seen on the wire by the test only: none of it may reach the notebook
  const issued: string[] = [];
  page.context().on('response', async (response) => {
    if (response.url().endsWith('/oidc/token') && response.status() === 200) {
      const body = await response.json().catch(() => ({}));
      for (const key of ['access_token', 'refresh_token', 'id_token']) if (body[key]) issued.push(body[key]);
    }
  });
  const { tab, code } = await startSignIn(page);

  // the verification page (verification_uri_complete) shows the same code to check, then CONFIRM
  expect(tab.url()).toContain(`${platformURL}oidc/device`);
  await expect(tab.getByRole('button', { name: 'CONFIRM' })).toBeVisible();
  await expect(tab.locator('body')).toContainText(code);
  await confirmAsDevUser(tab);
  await expect(tab.locator('body')).toContainText('close this window');

  // the cell ends signed in, and the code is gone from its output
  const cell = cellByIndex(page, 1);
  await expect(cell.locator('.jp-OutputArea-output')).toContainText('Signed in as Dev User', { timeout: 30_000 });
  await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/);
  const text = await outputText(cell);
  expect(text).not.toMatch(CODE);
  expect(text).not.toContain('Authentication Required');
  await expect(cell.locator('.jla-widget')).toHaveCount(0);
  if (process.env.DOCS_SCREENSHOTS) {
    await cell.screenshot({ path: `${__dirname}/../../docs/images/sign-in-done.png` });
  }

  // exactly the polls needed: none after tokens were issued, no slow_down
  const device = newest(await stats(platformURL));
  expect(device.replies.issued).toBe(1);
  expect(device.replies.slow_down ?? 0).toBe(0);

  await runCell(page, 2);
  expect(await outputText(cellByIndex(page, 2))).toContain('HTTP 200: signed in as Dev User <dev@example.test>');
  await runCell(page, 3);
  expect(await outputText(cellByIndex(page, 3))).toMatch(/HTTP 200: found \d+ project\(s\)/);

  // the saved notebook (outputs and all) holds no user code and no token
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('docmanager:save'));
  const saved = await page.evaluate(
    async (path) => JSON.stringify((await (window as any).jupyterapp.serviceManager.contents.get(path, { content: true })).content),
    NOTEBOOK,
  );
  expect(saved).toContain('Signed in as Dev User');
  expect(saved).not.toContain(code);
  // the signing-in cell keeps one output, the outcome line, and no empty result after it
  const signInOutputs = JSON.parse(saved).cells[1].outputs;
  expect(signInOutputs.map((o: any) => o.data?.['text/plain'] ?? o.text)).toEqual([
    expect.stringMatching(/^✓ Signed in as Dev User until \d\d:\d\d \(renewed automatically\)$/),
  ]);
  expect(issued.length).toBeGreaterThanOrEqual(2);
  for (const secret of issued) {
    expect(saved).not.toContain(secret);
    expect(await page.locator('body').innerText()).not.toContain(secret);
  }

  // running the sign-in cell again returns at once: no new code, no new tab
  const before = (await stats(platformURL)).deviceCodes;
  await runCell(page, 1);
  expect(await outputText(cellByIndex(page, 1))).toMatch(/Signed in as Dev User until \d\d:\d\d/);
  expect(Object.keys((await stats(platformURL)).deviceCodes)).toEqual(Object.keys(before));
});

test('CANCEL on the sign-in page ends the cell with an access-denied error', async ({ page, platformURL }) => {
  const { tab } = await startSignIn(page);
  await tab.getByRole('button', { name: 'CANCEL' }).click();
  await expect(tab.locator('body')).toContainText(/cancel/i);
  const pollsAtCancel = newest(await stats(platformURL)).polls;

  const cell = cellByIndex(page, 1);
  await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/, { timeout: 30_000 });
  const text = await outputText(cell);
  expect(text).toContain('Sign-in denied.'); // the widget gave way to the outcome
  await expect(cell.locator('.jla-widget')).toHaveCount(0);
  expect(text).toContain('AccessDenied');
  expect(text).toMatch(/cancelled or declined in the browser/);
  expect(text).not.toMatch(CODE);
  // the very next poll got access_denied and polling stopped there
  const device = newest(await stats(platformURL));
  expect(device.replies.access_denied).toBe(1);
  expect(device.polls).toBe(pollsAtCancel + 1);
});

test('Kernel > Interrupt stops a sign-in that waits, with one clear line', async ({ page, platformURL }) => {
  // The user leaves the sign-in tab alone. (Closing it from the test is no better a stand-in:
  // Playwright's page.close() on this popup can hang in Debian's Chromium after earlier tests.)
  await startSignIn(page);
  const polls = newest(await stats(platformURL)).polls;
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:interrupt-kernel'));
  const cell = cellByIndex(page, 1);
  await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/, { timeout: 30_000 });
  const text = await outputText(cell);
  expect(text).toContain('SignInCancelled: Sign-in was cancelled. Run the cell again to sign in.');
  expect(text).not.toContain('Traceback');
  expect(text).not.toMatch(CODE);
  // polling stopped: at most the poll already in flight when the interrupt came
  await page.waitForTimeout(6_000);
  expect(newest(await stats(platformURL)).polls).toBeLessThanOrEqual(polls + 1);
});
