/**
 * With Chromium's real popup blocker on (Playwright turns it off by default):
 * - Shift+Enter opens the sign-in tab by itself: the page opens it within the key press's
 *   user activation;
 * - a sign-in started without a gesture (here: a command run by a timer after the activation of
 *   the test's own `evaluate` ran out) is blocked; the widget says so, makes "Open sign-in page"
 *   the next step, and one click opens it and signs in.
 */
import { deviceStats, newestDevice, confirmAsDevUser } from '../support/platform';
import type { Page } from '@playwright/test';

import {
  cellByIndex,
  createNotebook,
  expect,
  openNotebook,
  outputText,
  runCell,
  test,
  waitForKernelIdle,
} from './fixtures';

test.use({ popupBlocking: true });

const NOTEBOOK = 'ui-tests/widget-popup.ipynb';
const CODE = /\b[A-Z]{4}-[A-Z]{4}\b/;

async function openSignInNotebook(page: Page): Promise<void> {
  await createNotebook(page, NOTEBOOK, ['from jupyterlite_auth import authenticate\nawait authenticate(force=True)']);
  await openNotebook(page, NOTEBOOK);
  await waitForKernelIdle(page, { path: NOTEBOOK });
}

async function finishWith(page: Page, cancel = true): Promise<void> {
  const cell = cellByIndex(page, 0);
  if (cancel) await cell.getByRole('button', { name: 'Cancel' }).click();
  await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/, { timeout: 60_000 });
}

// Playwright's evaluate() counts as a user gesture; its activation lasts about 5 s.
const PAST_ACTIVATION_MS = 6_000;

test('the blocker is on: a window opened without activation is refused', async ({ page }) => {
  await page.goto('lab/index.html');
  const blocked = await page.evaluate(
    (delay) => new Promise((done) => setTimeout(() => done(window.open('about:blank', '_blank') === null), delay)),
    PAST_ACTIVATION_MS,
  );
  expect(blocked).toBe(true);
});

test('Shift+Enter opens the sign-in tab by itself, within the key press', async ({ page, context, platformURL }) => {
  await openSignInNotebook(page);
  const tab = context.waitForEvent('page');
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const opened = await tab;
  expect(opened.url()).toContain(`${platformURL}oidc/device`);
  const widget = cellByIndex(page, 0).locator('.jla-widget');
  await expect(widget.locator('.jla-note')).toHaveText('The sign-in page opened in a new tab.', { timeout: 60_000 });
  await expect(widget.locator('.jla-open')).not.toHaveClass(/jla-primary/);
  // the tab is left open: page.close() on a popup can hang Playwright (see widget.spec.ts)
  await finishWith(page);
});

test('blocked without a gesture: Open is the next step, and one click signs in', async ({ page, context, platformURL }) => {
  await openSignInNotebook(page);
  const popups: string[] = [];
  context.on('page', (p) => popups.push(p.url()));
  // run the cell once no user activation is left to spend on a new tab
  const issuedBefore = Object.keys((await deviceStats(platformURL)).deviceCodes).length;
  await page.evaluate((delay) => {
    setTimeout(() => void (window as any).jupyterapp.commands.execute('notebook:run-cell'), delay);
  }, PAST_ACTIVATION_MS);
  // Every Playwright call into the page (a locator, an expect) is itself a user gesture, so
  // watch the provider from here, not the page, until the code was issued and the open tried.
  for (let waited = 0; waited < 60_000; waited += 250) {
    if (Object.keys((await deviceStats(platformURL)).deviceCodes).length > issuedBefore) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const cell = cellByIndex(page, 0);
  const widget = cell.locator('.jla-widget');
  await expect(widget.locator('.jla-note')).toHaveText(
    'Your browser blocked the new tab: open the sign-in page yourself.',
    { timeout: 60_000 },
  );
  await expect(widget).toHaveAttribute('data-tone', 'warning');
  await expect(widget.locator('.jla-open')).toHaveClass(/jla-primary/);
  expect(popups).toEqual([]);
  const code = (await widget.locator('.jla-code').textContent())!;
  expect(code).toMatch(CODE);

  const tabEvent = context.waitForEvent('page');
  await widget.getByRole('button', { name: 'Open sign-in page' }).click();
  const tab = await tabEvent;
  await expect(widget.locator('.jla-note')).toHaveText('The sign-in page is open in another tab.');
  await expect(widget.locator('.jla-open')).not.toHaveClass(/jla-primary/);
  await tab.waitForLoadState('domcontentloaded');
  expect(tab.url()).toContain(`${platformURL}oidc/device`);
  await confirmAsDevUser(tab);
  await finishWith(page, false);
  const text = await outputText(cell);
  expect(text).toMatch(/Signed in as Dev User until \d\d:\d\d/);
  expect(text).not.toContain(code);
  expect(newestDevice(await deviceStats(platformURL)).replies.issued).toBe(1);
  expect(popups.length).toBe(1); // the one the click opened
});
