/**
 * The sign-in widget in the built site: every state and control, against real providers.
 *
 * - waiting: the code exactly as sent (spelled out for screen readers), Copy, the link as text,
 *   Open (which focuses the tab already open instead of opening a second), a countdown, and
 *   Cancel from the keyboard, which stops polling while the cell still runs;
 * - slowed down (a provider answering slow_down), then signed in: the widget gives way to the
 *   outcome, and neither the saved notebook nor its saved widget state holds the code;
 * - expired, and error (the provider restarted and forgot the code): the outcome says so;
 * - a kernel restart while waiting: the page replaces the display, so the saved notebook keeps
 *   neither the code nor a widget whose model is gone;
 * - readable in the dark theme.
 * Denied is in sign-in.spec.ts (CANCEL on the provider's page); blocked popups in
 * widget-popup.spec.ts.
 */
import type { Locator, Page } from '@playwright/test';

import { deviceStats, newestDevice, startPlatform, type ExtraPlatform } from '../support/platform';
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

const CODE = /\b[A-Z]{4}-[A-Z]{4}\b/;
const PORT = Number(process.env.WIDGET_PLATFORM_PORT || 8713);

/** The tab the last `signInCell` opened (null if none within a minute). */
let lastTab: Promise<Page | null> = Promise.resolve(null);

async function signInCell(page: Page, issuer: string | null, name: string): Promise<Locator> {
  const path = `ui-tests/widget-${name}.ipynb`;
  const args = issuer ? `issuer="${issuer}"` : '';
  await createNotebook(page, path, [`from jupyterlite_auth import authenticate\nawait authenticate(${args})`]);
  await openNotebook(page, path);
  await waitForKernelIdle(page, { path });
  lastTab = page.context().waitForEvent('page', { timeout: 60_000 }).catch(() => null);
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const cell = cellByIndex(page, 0);
  await expect(cell.locator('.jla-widget .jla-code')).toHaveText(CODE, { timeout: 60_000 });
  return cell;
}

/** Save the open notebook and read the file back as the server has it. */
async function savedNotebook(page: Page, path: string): Promise<any> {
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('docmanager:save'));
  return page.evaluate(
    async (file) => (await (window as any).jupyterapp.serviceManager.contents.get(file, { content: true })).content,
    path,
  );
}

async function finished(cell: Locator): Promise<string> {
  await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/, { timeout: 60_000 });
  return outputText(cell);
}

test('waiting: code, Copy, Open reuses the tab, keyboard Cancel stops polling', async ({ page, context, platformURL, siteURL }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(siteURL).origin });
  const cell = await signInCell(page, null, 'controls');
  const widget = cell.locator('.jla-widget');
  const code = (await widget.locator('.jla-code').textContent())!;

  await expect(widget.locator('.jla-title')).toHaveText('Authentication Required');
  await expect(widget.locator('.jla-code')).toHaveAttribute('aria-label', `User code ${code.split('').join(' ')}`);
  await expect(widget.locator('.jla-url')).toHaveText(`${platformURL}oidc/device`);
  await expect(widget.locator('.jla-countdown')).toHaveText(/^The code expires in \d+:\d\d\.$/);
  await expect(widget.locator('.jla-note')).toHaveText('The sign-in page opened in a new tab.');
  await expect(widget.getByRole('status').first()).toContainText('Waiting for you to confirm');
  const tab = (await lastTab)!;
  expect(tab, 'the sign-in page opened by itself').toBeTruthy();

  // Copy puts exactly the code on the clipboard
  await widget.getByRole('button', { name: 'Copy' }).click();
  await expect(widget.locator('.jla-copy')).toHaveText('Copied');
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(code);

  // Open while the tab is open: no second tab
  const pagesBefore = context.pages().length;
  await widget.getByRole('button', { name: 'Open sign-in page' }).click();
  await expect(widget.locator('.jla-note')).toHaveText('The sign-in page is open in another tab.');
  await page.waitForTimeout(1_000);
  expect(context.pages().length).toBe(pagesBefore);
  // after the user closed it, Open opens it again (the link pre-fills the code)
  await tab.waitForLoadState();
  await tab.close();
  const again = context.waitForEvent('page');
  await widget.getByRole('button', { name: 'Open sign-in page' }).click();
  const reopened = await again;
  expect(reopened.url()).toContain(`${platformURL}oidc/device`);
  // left open: closing a tab while its page still submits itself can hang Playwright for minutes

  // Cancel, from the keyboard: the running cell ends with one line, and polling stops
  const cancel = widget.getByRole('button', { name: 'Cancel' });
  await cancel.focus();
  await page.keyboard.press('Enter');
  const pollsAtCancel = newestDevice(await deviceStats(platformURL)).polls;
  const text = await finished(cell);
  expect(text).toContain('Sign-in cancelled.');
  expect(text).toContain('SignInCancelled: Sign-in was cancelled. Run the cell again to sign in.');
  expect(text).not.toContain('Traceback');
  expect(text).not.toContain(code);
  await expect(cell.locator('.jla-widget')).toHaveCount(0);
  await page.waitForTimeout(6_000); // longer than the poll interval
  expect(newestDevice(await deviceStats(platformURL)).polls).toBeLessThanOrEqual(pollsAtCancel + 1);
});

test.describe('against a provider with other settings', () => {
  let platform: ExtraPlatform;

  test.afterEach(async () => {
    await platform?.stop();
  });

  test('slowed down, then signed in; the saved notebook and widget state hold no code', async ({ page, siteURL }) => {
    platform = await startPlatform(PORT, new URL(siteURL).origin, { POLL_INTERVAL: '1', SLOW_DOWN_POLLS: '1' });
    // save widget state with the notebook, so the test sees what a user who turned it on would save
    await page.goto('lab/index.html');
    await page.waitForFunction(() => !!(window as any).jupyterapp?.serviceManager);
    await page.evaluate(() =>
      (window as any).jupyterapp.serviceManager.settings.save(
        '@jupyter-widgets/jupyterlab-manager:plugin',
        JSON.stringify({ saveState: true }),
      ),
    );
    const cell = await signInCell(page, platform.issuer, 'slowed');
    const widget = cell.locator('.jla-widget');
    const code = (await widget.locator('.jla-code').textContent())!;
    await expect(widget.locator('.jla-status')).toContainText('The provider asked us to poll less often', {
      timeout: 20_000,
    });
    await expect(widget.locator('.jla-code')).toHaveText(code); // still live
    await platform.approve(code);
    const text = await finished(cell);
    expect(text).toMatch(/^✓ Signed in as Dev User until \d\d:\d\d \(renewed automatically\)$/m);
    expect(text).not.toContain(code);
    await expect(cell.locator('.jla-widget')).toHaveCount(0);
    expect(newestDevice(await platform.stats()).replies.slow_down).toBe(1);

    const saved = await savedNotebook(page, 'ui-tests/widget-slowed.ipynb');
    const file = JSON.stringify(saved);
    expect(file).toContain('Signed in as Dev User');
    expect(file).not.toContain(code);
    expect(file).not.toContain('SignInModel'); // the widget was closed: no state of it is saved
    expect(file).not.toContain('LayoutModel'); // nor its layout
    expect(saved.metadata.widgets, 'widget state was saved (saveState on)').toBeTruthy();
  });

  test('expired: the countdown runs out and the outcome says to run the cell again', async ({ page, siteURL }) => {
    platform = await startPlatform(PORT, new URL(siteURL).origin, { POLL_INTERVAL: '1', DEVICE_CODE_TTL: '8' });
    const cell = await signInCell(page, platform.issuer, 'expired');
    await expect(cell.locator('.jla-countdown')).toHaveText(/^The code expires in 0:0\d\.$/);
    const text = await finished(cell);
    expect(text).toContain('The code expired.');
    expect(text).toMatch(/Run the cell again for a new code/);
    expect(text).not.toMatch(CODE);
    await expect(cell.locator('.jla-widget')).toHaveCount(0);
  });

  test('error: the provider restarted and forgot the code; the outcome names what it said', async ({ page, siteURL }) => {
    const site = new URL(siteURL).origin;
    platform = await startPlatform(PORT, site, { POLL_INTERVAL: '2' });
    const cell = await signInCell(page, platform.issuer, 'error');
    await platform.stop();
    platform = await startPlatform(PORT, site, { POLL_INTERVAL: '2' });
    const text = await finished(cell);
    expect(text).toContain('Sign-in failed.');
    expect(text).toContain('invalid_grant');
    expect(text).not.toMatch(CODE);
    await expect(cell.locator('.jla-widget')).toHaveCount(0);
  });
});

test('readable in the dark theme', async ({ page }) => {
  const cell = await signInCell(page, null, 'dark');
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Dark' }));
  await expect(page.locator('body')).toHaveAttribute('data-jp-theme-light', 'false');
  const widget = cell.locator('.jla-widget');
  const ratios = await widget.evaluate((root) => {
    const rgb = (css: string) => (css.match(/\d+(\.\d+)?/g) || []).slice(0, 3).map(Number);
    const luminance = ([r, g, b]: number[]) => {
      const [R, G, B] = [r, g, b].map((v) => {
        const c = v / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * R + 0.7152 * G + 0.0722 * B;
    };
    const contrast = (a: string, b: string) => {
      const [x, y] = [luminance(rgb(a)), luminance(rgb(b))].sort((p, q) => q - p);
      return (x + 0.05) / (y + 0.05);
    };
    const background = getComputedStyle(root).backgroundColor;
    return ['.jla-title', '.jla-code', '.jla-url', '.jla-status', '.jla-button'].map((selector) => {
      const node = root.querySelector(selector)!;
      const own = getComputedStyle(node).backgroundColor;
      const behind = own && !/rgba\(0, 0, 0, 0\)|transparent/.test(own) ? own : background;
      return [selector, contrast(getComputedStyle(node).color, behind)] as [string, number];
    });
  });
  for (const [selector, ratio] of ratios) {
    expect(ratio, `${selector} contrast in the dark theme`).toBeGreaterThanOrEqual(4.5);
  }
  if (process.env.DOCS_SCREENSHOTS) {
    await cell.screenshot({ path: `${__dirname}/../../docs/images/sign-in-waiting-dark.png` });
  }
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Light' }));
  await widget.getByRole('button', { name: 'Cancel' }).click();
  await finished(cell);
});

test('a kernel restart while waiting takes the code off the page and out of the saved notebook', async ({ page }) => {
  const cell = await signInCell(page, null, 'restart');
  const code = (await cell.locator('.jla-widget .jla-code').textContent())!;
  await page.evaluate(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart());
  // the dead kernel cannot replace its display: the page does, with the outcome only
  await expect(cell.locator('.jp-OutputArea-output').first()).toContainText(
    'Sign-in stopped: the kernel restarted, which stopped this sign-in. Run the cell again to sign in.',
    { timeout: 30_000 },
  );
  await expect(cell.locator('.jla-widget')).toHaveCount(0);
  expect(await outputText(cell)).not.toMatch(CODE);

  const file = JSON.stringify(await savedNotebook(page, 'ui-tests/widget-restart.ipynb'));
  expect(file).toContain('Sign-in stopped');
  expect(file).not.toContain(code);
  expect(file).not.toContain('widget-view'); // no widget that would say "Loading widget..." when reopened
});

test('without the widget (JUPYTERLITE_AUTH_WIDGET=0): escaped HTML with the code and the link', async ({ page, platformURL }) => {
  const path = 'ui-tests/widget-html.ipynb';
  await createNotebook(page, path, [
    'import os\nos.environ["JUPYTERLITE_AUTH_WIDGET"] = "0"\nfrom jupyterlite_auth import authenticate\nawait authenticate()',
  ]);
  await openNotebook(page, path);
  await waitForKernelIdle(page, { path });
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const cell = cellByIndex(page, 0);
  const html = cell.locator('.jla-signin');
  await expect(html.locator('.jla-code')).toHaveText(CODE, { timeout: 60_000 });
  await expect(cell.locator('.jla-widget')).toHaveCount(0);
  await expect(html.getByRole('link')).toHaveAttribute('href', new RegExp(`^${platformURL}oidc/device\\?user_code=`));
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:interrupt-kernel'));
  const text = await finished(cell);
  expect(text).toContain('Sign-in cancelled.');
  expect(text).not.toMatch(CODE);
});

test('running the cell again while it waits starts the sign-in over with a new code', async ({ page, platformURL }) => {
  const cell = await signInCell(page, null, 'rerun');
  const first = (await cell.locator('.jla-widget .jla-code').textContent())!;
  const issued = Object.keys((await deviceStats(platformURL)).deviceCodes).length;
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true }); // Jupyter clears the output and queues the run
  await expect(cell.locator('.jla-widget .jla-code')).toHaveText(CODE, { timeout: 30_000 });
  const second = (await cell.locator('.jla-widget .jla-code').textContent())!;
  expect(second).not.toBe(first);
  expect(Object.keys((await deviceStats(platformURL)).deviceCodes).length).toBe(issued + 1);
  await cell.locator('.jla-widget').getByRole('button', { name: 'Cancel' }).click();
  const text = await finished(cell);
  expect(text).toContain('Sign-in cancelled.');
  expect(text).not.toContain(first);
  expect(text).not.toContain(second);
});
