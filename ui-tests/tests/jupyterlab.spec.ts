/**
 * JupyterLab (not Lite) with a CPython kernel: the labextension installed by the wheel draws the
 * sign-in widget, the kernel opens the sign-in page with `webbrowser` (its $BROWSER here records
 * the URL, as this machine has no desktop), and Cancel stops the sign-in, by the widget's message
 * or, where the kernel does not hear it while the cell runs, by an interrupt. Where the kernel's machine has no browser at all (a remote
 * server), the widget opens the page in the user's browser instead.
 *
 * Run by `make test-jupyterlab` (scripts/with-jupyterlab.sh sets JUPYTERLAB_URL and BROWSER_LOG);
 * skipped elsewhere.
 */
import * as fs from 'node:fs';

import type { Page } from '@playwright/test';

import { cellByIndex, expect, outputText, runCell, test, waitForApp, waitForKernelIdle } from './fixtures';
import { confirmAsDevUser } from '../support/platform';

test.skip(!process.env.JUPYTERLAB_URL, 'needs JupyterLab: make test-jupyterlab');
test.use({ baseURL: process.env.JUPYTERLAB_URL });

const CODE = /\b[A-Z]{4}-[A-Z]{4}\b/;

async function notebook(page: Page, name: string, cells: string[], platformURL: string, kernel = 'python3'): Promise<void> {
  const content = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: kernel, display_name: kernel, language: 'python' } },
    cells: cells.map((source, i) => ({
      id: `c${i}`,
      cell_type: 'code',
      metadata: {},
      source: source.replace('{PLATFORM}', platformURL),
      outputs: [],
      execution_count: null,
    })),
  };
  const reply = await fetch(new URL(`api/contents/${name}`, process.env.JUPYTERLAB_URL), {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'notebook', format: 'json', content }),
  });
  expect(reply.ok, `PUT ${name}: ${reply.status}`).toBe(true);
  await page.goto(`lab/tree/${name}`);
  await waitForApp(page);
  await waitForKernelIdle(page, { path: name });
}

/** The first cell's output once its run ended with a sign-in (no code left in it). */
async function signedIn(page: Page, code: string): Promise<void> {
  const cell = cellByIndex(page, 0);
  await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/, { timeout: 60_000 });
  const text = await outputText(cell);
  expect(text).toMatch(/Signed in as Dev User until \d\d:\d\d/);
  expect(text).not.toContain(code);
  await expect(cell.locator('.jla-widget')).toHaveCount(0);
}

function openedUrls(): string[] {
  const log = process.env.BROWSER_LOG!;
  return fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
}

const SIGN_IN = 'from jupyterlite_auth import authenticate\nawait authenticate(issuer="{PLATFORM}oidc", force=True)';

test('CPython kernel: the widget shows, webbrowser opens the page, confirming signs in', async ({ page, context, platformURL }) => {
  await notebook(page, 'cpython-sign-in.ipynb', [SIGN_IN, 'import os\nprint("token set:", bool(os.environ.get("OIDC_ACCESS_TOKEN")))'], platformURL);
  const before = openedUrls().length;
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const widget = cellByIndex(page, 0).locator('.jla-widget');
  await expect(widget.locator('.jla-code')).toHaveText(CODE, { timeout: 60_000 });
  const code = (await widget.locator('.jla-code').textContent())!;
  await expect(widget.locator('.jla-note')).toHaveText('The sign-in page opened in a new tab.');

  // what webbrowser.open was given: the verification page with the code filled in
  await expect.poll(() => openedUrls().length).toBe(before + 1);
  const url = openedUrls().at(-1)!;
  expect(url).toBe(`${platformURL}oidc/device?user_code=${code}`);
  const tab = await context.newPage();
  await tab.goto(url);
  await confirmAsDevUser(tab);
  await signedIn(page, code);
  await runCell(page, 1);
  expect(await outputText(cellByIndex(page, 1))).toContain('token set: True');
});

test('CPython kernel on a machine without a browser: the widget opens the page in the user\'s browser', async ({ page, context, platformURL }) => {
  // as on a remote server: no $BROWSER, no display, so webbrowser cannot open anything there
  const noBrowser = 'import os\nos.environ.pop("BROWSER", None)\n' + SIGN_IN;
  await notebook(page, 'cpython-remote.ipynb', [noBrowser], platformURL);
  const before = openedUrls().length;
  const tab = context.waitForEvent('page', { timeout: 30_000 });
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const widget = cellByIndex(page, 0).locator('.jla-widget');
  await expect(widget.locator('.jla-code')).toHaveText(CODE, { timeout: 60_000 });
  const code = (await widget.locator('.jla-code').textContent())!;
  const opened = await tab;
  await opened.waitForLoadState();
  expect(opened.url()).toContain(`${platformURL}oidc/device`);
  await expect(widget.locator('.jla-note')).toHaveText('The sign-in page is open in another tab.');
  expect(openedUrls().length).toBe(before); // not webbrowser: the page did it
  // one tab per sign-in: Open focuses it, and no other view opens another
  await widget.getByRole('button', { name: 'Open sign-in page' }).click();
  await page.waitForTimeout(1_000);
  expect(context.pages().length).toBe(2);
  await confirmAsDevUser(opened);
  await signedIn(page, code);
});

/**
 * Cancel, in a kernel that hears the widget's message while the cell runs (ipykernel 7.4, the
 * venv's) and in one that holds it until the cell ends (ipykernel 6, which only an interrupt
 * reaches). An interrupt the first kind does not need can land after the cell ended and lose its
 * reply (the prompt stayed [*]), so it must not be sent there.
 */
const CANCEL_KERNELS = [
  { kernel: 'python3', label: 'ipykernel 7.4', interrupts: 0, error: 'SignInCancelled' },
  // the interrupt cancels the cell: a CancelledError, shown as one line all the same
  { kernel: 'python3-ipykernel6', label: 'ipykernel 6', interrupts: 1, error: 'CancelledError' }
];

for (const { kernel, label, interrupts, error } of CANCEL_KERNELS) {
  test(`CPython kernel, ${label}: Cancel stops the waiting sign-in (${interrupts} interrupt)`, async ({ page, platformURL }) => {
    test.skip(kernel !== 'python3' && !process.env.KERNEL6_PYTHON, 'needs KERNEL6_PYTHON (make test-jupyterlab)');
    const name = `cpython-cancel-${kernel}.ipynb`;
    await notebook(page, name, [SIGN_IN, 'import ipykernel\nprint("kernel still alive", ipykernel.__version__)'], platformURL, kernel);
    const interruptRequests: string[] = [];
    page.on('request', request => {
      if (request.method() === 'POST' && /\/api\/kernels\/[^/]+\/interrupt/.test(request.url())) {
        interruptRequests.push(request.url());
      }
    });
    await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
    const cell = cellByIndex(page, 0);
    const widget = cell.locator('.jla-widget');
    await expect(widget.locator('.jla-code')).toHaveText(CODE, { timeout: 60_000 });
    const code = (await widget.locator('.jla-code').textContent())!;
    const clicked = Date.now();
    await widget.getByRole('button', { name: 'Cancel' }).click();
    await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/, { timeout: 30_000 });
    console.log(`${label}: Cancel click -> cell ended: ${Date.now() - clicked} ms`);
    const text = await outputText(cell);
    expect(text).toContain('Sign-in cancelled.');
    expect(text).toContain(`${error}: Sign-in was cancelled. Run the cell again to sign in.`);
    expect(text).not.toContain('Traceback');
    expect(text).not.toContain(code);
    await runCell(page, 1);
    const next = await outputText(cellByIndex(page, 1));
    expect(next).toContain('kernel still alive');
    expect(next).toContain(kernel === 'python3' ? ' 7.4' : ' 6.');
    // well after the view's wait for the kernel to answer (HEARD_WAIT_MS)
    await page.waitForTimeout(1_500);
    expect(interruptRequests).toHaveLength(interrupts);
  });
}

test('CPython kernel: Kernel > Interrupt stops the waiting sign-in with one line', async ({ page, platformURL }) => {
  await notebook(page, 'cpython-interrupt.ipynb', [SIGN_IN, 'print("kernel still alive")'], platformURL);
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const cell = cellByIndex(page, 0);
  await expect(cell.locator('.jla-widget .jla-code')).toHaveText(CODE, { timeout: 60_000 });
  const interrupted = Date.now();
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:interrupt-kernel'));
  await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[\d+\]/, { timeout: 30_000 });
  // measured, not asserted: the poll wait sleeps in quarter seconds, so the signal is heard soon
  console.log(`Kernel > Interrupt -> cell ended: ${Date.now() - interrupted} ms`);
  const text = await outputText(cell);
  expect(text).toContain('CancelledError: Sign-in was cancelled. Run the cell again to sign in.');
  expect(text).not.toContain('Traceback');
  await runCell(page, 1);
  expect(await outputText(cellByIndex(page, 1))).toContain('kernel still alive');
});

/** The notebook as saved on the server, after JupyterLab's own save. */
async function savedNotebook(page: Page, name: string): Promise<string> {
  await page.evaluate(() => (window as any).jupyterapp.commands.execute('docmanager:save'));
  await expect(page.locator('.jp-mod-current .jp-mod-dirty')).toHaveCount(0);
  const reply = await fetch(new URL(`api/contents/${name}?content=1`, process.env.JUPYTERLAB_URL));
  return JSON.stringify((await reply.json()).content);
}

test('CPython kernel: the cell run again while it waits keeps its code on show, then ends with one line', async ({ page, context, platformURL }) => {
  // on a server without a browser, so the page opens the tab; not force=True, which would ask
  // the queued run for a second sign-in
  const signIn = 'import os\nos.environ.pop("BROWSER", None)\n' + SIGN_IN.replace(', force=True', '');
  await notebook(page, 'cpython-rerun.ipynb', [signIn], platformURL);
  const tabOpened = context.waitForEvent('page', { timeout: 30_000 });
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const cell = cellByIndex(page, 0);
  const codeBox = cell.locator('.jla-widget .jla-code');
  await expect(codeBox).toHaveText(CODE, { timeout: 60_000 });
  const code = (await codeBox.textContent())!;
  const tab = await tabOpened;
  // Jupyter clears the output and queues this run behind the waiting one: the code stays, and
  // the widget knows its tab is open
  await runCell(page, 0, { key: 'Control+Enter', noWait: true });
  await page.waitForTimeout(1_000);
  await expect(codeBox).toHaveText(code);
  await expect(cell.getByRole('button', { name: 'Cancel' })).toBeEnabled();
  await expect(cell.locator('.jla-note')).toHaveText('The sign-in page is open in another tab.');
  expect(context.pages()).toHaveLength(2); // the one tab of this sign-in
  await tab.waitForLoadState();
  await confirmAsDevUser(tab);
  // the queued run finds the sign-in done and says so, once
  await expect.poll(() => outputText(cell), { timeout: 60_000 }).toMatch(/Signed in as Dev User until \d\d:\d\d/);
  await expect(cell.locator('.jp-InputArea-prompt')).toHaveText(/\[2\]/);
  const text = await outputText(cell);
  expect(text.match(/Signed in as/g)).toHaveLength(1);
  expect(text).not.toContain(code);
  const saved = await savedNotebook(page, 'cpython-rerun.ipynb');
  expect(saved).not.toContain(code);
  expect(saved).not.toContain('"waiting"');
});

test('CPython kernel: Cancel on the kept sign-in ends the cell with the outcome, no code', async ({ page, platformURL }) => {
  await notebook(page, 'cpython-rerun-cancel.ipynb', [SIGN_IN], platformURL);
  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const cell = cellByIndex(page, 0);
  const codeBox = cell.locator('.jla-widget .jla-code');
  await expect(codeBox).toHaveText(CODE, { timeout: 60_000 });
  const code = (await codeBox.textContent())!;
  await runCell(page, 0, { key: 'Control+Enter', noWait: true });
  await page.waitForTimeout(1_000);
  await cell.getByRole('button', { name: 'Cancel' }).click();
  // the first run's error line cannot reach the cell any more, and ipykernel aborts the queued
  // run after it: the kept display says what happened
  await expect.poll(() => outputText(cell), { timeout: 30_000 }).toContain(
    'Sign-in cancelled. Run the cell again to sign in.'
  );
  await expect(cell.locator('.jla-widget')).toHaveCount(0);
  await expect(cell.locator('.jp-InputArea-prompt')).not.toHaveText(/\*/, { timeout: 30_000 });
  expect(await outputText(cell)).not.toContain(code);
  const saved = await savedNotebook(page, 'cpython-rerun-cancel.ipynb');
  expect(saved).not.toContain(code);
  expect(saved).not.toContain('"waiting"');
});
