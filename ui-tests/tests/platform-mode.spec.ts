/**
 * Platform mode: the site in the dev platform's host page (an iframe with the real platform's
 * sandbox flags). The host hands over credentials; host messages are checked by origin and source;
 * odd payloads arrive identical and run nothing; data goes back to the host; requests go through it.
 */
import { createHash } from 'node:crypto';

import type { Frame, Page } from '@playwright/test';

import { startPlatform, type ExtraPlatform } from '../support/platform';
import {
  cellByIndex,
  createNotebook,
  expect,
  outputText,
  runCell,
  test,
  waitForKernelIdle,
} from './fixtures';

/** Open the host page for `path` and return the site's frame once its kernel is idle. */
async function openInHost(page: Page, hostURL: string, path: string, siteURL: string, query = ''): Promise<Frame> {
  await page.goto(`${hostURL}host?path=${encodeURIComponent(path)}${query}`);
  const siteOrigin = new URL(siteURL).origin;
  await expect.poll(() => page.frames().some((f) => f.url().startsWith(siteOrigin)), { timeout: 30_000 }).toBe(true);
  const frame = page.frames().find((f) => f.url().startsWith(siteOrigin))!;
  await frame.locator('.jp-NotebookPanel .jp-Cell').first().waitFor({ state: 'visible', timeout: 60_000 });
  await waitForKernelIdle(frame, { path });
  return frame;
}

/** Post a raw message to the site's iframe from the host page itself (right window, right origin). */
async function postFromHost(page: Page, siteOrigin: string, message: unknown): Promise<void> {
  await page.evaluate(
    ([msg, origin]) => document.querySelector('iframe')!.contentWindow!.postMessage(msg, origin as string),
    [message, siteOrigin] as const,
  );
}

test('the seed example runs in platform mode with no prompt', async ({ page, platformURL, siteURL }) => {
  const frame = await openInHost(page, platformURL, 'sign-in.ipynb', siteURL);
  await runCell(frame, 1, { key: 'Shift+Enter' });
  expect(await outputText(cellByIndex(frame, 1))).toContain('Signed in through the platform page as account');
  await runCell(frame, 2);
  expect(await outputText(cellByIndex(frame, 2))).toContain('HTTP 200: signed in as Dev User <dev@example.test>');
  await runCell(frame, 3);
  expect(await outputText(cellByIndex(frame, 3))).toMatch(/HTTP 200: found \d+ project\(s\)/);
  for (let i = 1; i <= 3; i++) expect(await outputText(cellByIndex(frame, i))).not.toContain('Authentication Required');
  expect(page.context().pages()).toHaveLength(1); // no sign-in tab was opened
});

const EVIL = {
  quotes: "'''\"\"\"",
  breakout: "'''); import os; os.environ['PWNED'] = '1'; ('''",
  backslashes: '\\\\x\\n\\',
  separators: '\u2028\u2029',
  lone: '\ud800',
  big: 'ab'.repeat(500_000),
};

test('host data: identical bytes, origin and source checks, exchange, fetch, restart', async ({
  page,
  platformURL,
  siteURL,
}) => {
  test.setTimeout(300_000);
  const siteOrigin = new URL(siteURL).origin;
  const NOTEBOOK = 'ui-tests/platform.ipynb';
  await createNotebook(page, NOTEBOOK, [
    'print(sorted(data_from_host))',
    [
      'import hashlib, json, os',
      'd = data_from_host',
      'small = {k: [ord(c) for c in d[k]] for k in ("quotes", "breakout", "backslashes", "separators", "lone")}',
      'print("RESULT" + json.dumps({"small": small, "big": hashlib.sha256(d["big"].encode()).hexdigest(), "pwned": "PWNED" in os.environ}))',
    ].join('\n'),
    'print("still", data_from_host.get("marker"), len(data_from_host.get("big", "")))',
    [
      'from jupyterlite_auth import send_to_host',
      `await send_to_host({"hello": "host", "n": [1, 2.5, None, True], "s": "'''\\u2028"})`,
      'print("sent")',
    ].join('\n'),
    [
      'from jupyterlite_auth import brokered_fetch',
      `r = await brokered_fetch("${platformURL}api/me")`,
      'print(r.via, r.status, r.json()["email"])',
    ].join('\n'),
    'print("after restart", sorted(data_from_host))',
  ]);
  const frame = await openInHost(page, platformURL, NOTEBOOK, siteURL);

  await runCell(frame, 0);
  expect(await outputText(cellByIndex(frame, 0))).toContain("['apiConfig', 'environ']");

  // the host sends new data: every odd string arrives identical and nothing runs
  await postFromHost(page, siteOrigin, { type: 'from-host-to-iframe', action: 'set-data', payload: { ...EVIL, marker: 'evil' } });
  await expect.poll(async () => (await runCell(frame, 1), outputText(cellByIndex(frame, 1))), { timeout: 30_000 })
    .toContain('RESULT{');
  const result = JSON.parse((await outputText(cellByIndex(frame, 1))).split('RESULT')[1]);
  const codes = (text: string) => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));
  expect(result.small).toEqual({
    quotes: codes(EVIL.quotes),
    breakout: codes(EVIL.breakout),
    backslashes: codes(EVIL.backslashes),
    separators: codes(EVIL.separators),
    lone: codes(EVIL.lone),
  });
  expect(result.big).toBe(createHash('sha256').update(EVIL.big).digest('hex'));
  expect(result.pwned).toBe(false);

  // malformed messages, a foreign window of the right origin: all ignored, nothing breaks
  for (const bad of [
    'just a string',
    { type: 'wrong-type', action: 'set-data', payload: { marker: 'wrong-type' } },
    { type: 'from-host-to-iframe', payload: { marker: 'no-action' } },
    { type: 'from-host-to-iframe', action: 'set-data', payload: { marker: 'huge', big: 'x'.repeat(5 * 1024 * 1024) } },
  ]) {
    await postFromHost(page, siteOrigin, bad);
  }
  await page.evaluate(() => {
    const other = document.createElement('iframe');
    other.name = 'other-window'; // about:blank: the host page's origin, but not the site's parent
    document.body.append(other);
  });
  const other = page.frame({ name: 'other-window' })!;
  await other.evaluate((origin) => {
    const site = window.parent.document.querySelector('iframe')!.contentWindow!;
    site.postMessage({ type: 'from-host-to-iframe', action: 'set-data', payload: { marker: 'other-window' } }, origin);
  }, siteOrigin);
  await page.waitForTimeout(1_000); // let any (wrongly) accepted message arrive before we look
  await runCell(frame, 2);
  expect(await outputText(cellByIndex(frame, 2))).toContain('still evil 1000000');

  // data exchange: the host receives exactly the JSON sent
  await runCell(frame, 3);
  expect(await outputText(cellByIndex(frame, 3))).toContain('sent');
  await expect.poll(async () => JSON.parse((await page.locator('#received').textContent()) || 'null'))
    .toEqual({ hello: 'host', n: [1, 2.5, null, true], s: "'''\u2028" });

  // brokered fetch through the host page, which adds its own credentials
  await runCell(frame, 4);
  expect(await outputText(cellByIndex(frame, 4))).toContain('host 200 dev@example.test');

  // after a restart the data is there again
  await frame.evaluate(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart());
  await waitForKernelIdle(frame, { path: NOTEBOOK });
  await expect.poll(async () => (await runCell(frame, 5), outputText(cellByIndex(frame, 5))), { timeout: 30_000 })
    .toContain('after restart [');
  expect(await outputText(cellByIndex(frame, 5))).toContain("'marker'");
});

test.describe('untrusted or unusable hosts', () => {
  let foreign: ExtraPlatform;
  test.beforeAll(async ({}, testInfo) => {
    const site = new URL(testInfo.project.use.baseURL!).origin;
    foreign = await startPlatform(Number(process.env.FOREIGN_PLATFORM_PORT || 8712), site, {});
  });
  test.afterAll(async () => foreign?.stop());

  test('a host page of a foreign origin is not trusted', async ({ page, siteURL }) => {
    const NOTEBOOK = 'ui-tests/foreign.ipynb';
    await createNotebook(page, NOTEBOOK, ['print("data_from_host" in globals())']);
    const frame = await openInHost(page, `${foreign.origin}/`, NOTEBOOK, siteURL);
    await postFromHost(page, new URL(siteURL).origin, { type: 'from-host-to-iframe', action: 'set-data', payload: { apiConfig: {} } });
    await page.waitForTimeout(1_000);
    await runCell(frame, 0);
    expect(await outputText(cellByIndex(frame, 0))).toContain('False');
  });

  test('a host that never answers: sign-in waits for it, bounded, then uses the device flow', async ({ page, platformURL, siteURL }) => {
    const frame = await openInHost(page, platformURL, 'sign-in.ipynb', siteURL, '&silent=1');
    await runCell(frame, 1, { key: 'Shift+Enter', noWait: true });
    const cell = cellByIndex(frame, 1);
    await expect(cell.locator('.jp-OutputArea-output').first()).toContainText('did not send credentials in time', { timeout: 60_000 });
    await expect(cell).toContainText('Authentication Required', { timeout: 30_000 });
  });

  test('data nested too deep is dropped and a restart still attaches; a lone surrogate in environ is named', async ({
    page,
    platformURL,
    siteURL,
  }) => {
    const siteOrigin = new URL(siteURL).origin;
    const NOTEBOOK = 'ui-tests/deep.ipynb';
    await createNotebook(page, NOTEBOOK, [
      'import jupyterlite_auth._page as p\nprint("kind", type(data_from_host).__name__, p.attached(), bool(p.site_settings().get("issuer")))',
      'from jupyterlite_auth import authenticate\nawait authenticate()',
    ]);
    const frame = await openInHost(page, platformURL, NOTEBOOK, siteURL);
    // 1500 levels of lists, a few KB: the site drops it before any kernel sees it
    await page.evaluate((origin) => {
      let deep: unknown = 0;
      for (let i = 0; i < 1500; i++) deep = [deep];
      document.querySelector('iframe')!.contentWindow!.postMessage({ type: 'from-host-to-iframe', action: 'set-data', payload: deep }, origin);
    }, siteOrigin);
    await page.waitForTimeout(1_000);
    await runCell(frame, 0);
    expect(await outputText(cellByIndex(frame, 0))).toContain('kind dict True True');
    await frame.evaluate(() => (window as any).jupyterapp.shell.currentWidget.sessionContext.session.kernel.restart());
    await waitForKernelIdle(frame, { path: NOTEBOOK });
    // the new kernel counts from 1 again: clear the prompts so the rerun is seen to finish
    await frame.evaluate(() => (window as any).jupyterapp.commands.execute('notebook:clear-all-cell-outputs'));
    await runCell(frame, 0);
    expect(await outputText(cellByIndex(frame, 0))).toContain('kind dict True True');

    // a lone surrogate reaches data_from_host as sent, but cannot be an environment variable
    await postFromHost(page, siteOrigin, {
      type: 'from-host-to-iframe',
      action: 'set-data',
      payload: { apiConfig: { accountId: 'acct-1', authToken: 'token-1' }, environ: { SURR: 'x\ud800y' } },
    });
    await page.waitForTimeout(1_000);
    await runCell(frame, 1, { noWait: true });
    const cell = cellByIndex(frame, 1);
    await expect(cell.locator('.jp-OutputArea-output').first()).toContainText(
      "Not using the platform page's data (the host's environ entry SURR is not valid Unicode (a lone surrogate)",
      { timeout: 60_000 },
    );
    await expect(cell).toContainText('Authentication Required', { timeout: 30_000 });
    await expect(cell).not.toContainText('Traceback');
  });

  test('a host that sends a list falls back to the device flow with a notice', async ({ page, platformURL, siteURL }) => {
    const frame = await openInHost(page, platformURL, 'sign-in.ipynb', siteURL, '&data=list');
    await runCell(frame, 1, { key: 'Shift+Enter', noWait: true });
    const cell = cellByIndex(frame, 1);
    await expect(cell.locator('.jp-OutputArea-output').first()).toContainText("Not using the platform page's data", { timeout: 60_000 });
    await expect(cell).toContainText('Authentication Required', { timeout: 30_000 });
  });
});
