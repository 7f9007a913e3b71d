/**
 * Items 2-4 in the browser: one device-flow sign-in driven like a person does it.
 *
 * Shift+Enter on the cell -> the code shows and the sign-in tab opens (whether the page still had
 * the key press's user activation when it called window.open is recorded: Playwright's Chromium
 * never blocks popups, so the activation is the evidence). The approving click (CONFIRM, or "Sign in"
 * when the browser has no platform session yet) is made at a planned moment: one second after the
 * code was issued plus a phase spread evenly over one poll interval across the runs.
 * Then: approving click -> cell finished, and the polls it took against the fewest possible.
 */
import type { BrowserContext, Page } from '@playwright/test';

import { cellByIndex, outputText } from '../../ui-tests/support/jupyterlab';
import { PlatformTraffic } from './traffic';
import { approvalPhase, now, sleep } from './stats';

export interface SignInOptions {
  cellIndex: number;
  /** The first sign-in of a context also signs in to the platform's page (email, password). */
  login: boolean;
  run: number;
  runs: number;
  platform: string;
  traffic: PlatformTraffic;
}

export interface SignInResult {
  keyToCodeMs: number;
  keyToTabMs: number;
  /** navigator.userActivation.isActive inside window.open (null: not recorded). */
  activeAtOpen: boolean | null;
  approveToTokensMs: number;
  approveToDoneMs: number;
  /** What the cell does after the tokens came: ID token check, greeting, API clients. */
  tokensToDoneMs: number;
  polls: number;
  /** Polls of a client that polls exactly every interval from the moment the code was issued. */
  fewestPolls: number;
  slowDowns: number;
  issued: number;
  intervalS: number;
  requests: Record<string, number>;
}

/** Record, in every page of the context, window.open calls and whether the user activation held. */
export async function recordWindowOpen(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const open = window.open.bind(window);
    (window as any).__benchOpens = [];
    window.open = (...args: Parameters<typeof window.open>) => {
      (window as any).__benchOpens.push({ active: (navigator as any).userActivation?.isActive ?? null });
      return open(...args);
    };
  });
}

export async function signIn(page: Page, options: SignInOptions): Promise<SignInResult> {
  const context = page.context();
  const cell = cellByIndex(page, options.cellIndex);
  const editor = cell.locator('.jp-InputArea-editor .cm-content');
  const prompt = cell.locator('.jp-InputArea-prompt');
  await cell.scrollIntoViewIfNeeded();
  await editor.click();
  const before = ((await prompt.textContent()) || '').trim();
  const opensBefore: number = await page.evaluate(() => (window as any).__benchOpens.length);
  const tabOpened = context.waitForEvent('page', { timeout: 60_000 }).then((tab) => ({ tab, at: now() }));

  const t0 = now();
  await editor.press('Shift+Enter');
  const codeShown = cell
    .locator('.jp-OutputArea-output', { hasText: 'Authentication Required' })
    .first()
    .waitFor({ timeout: 60_000 })
    .then(() => now());
  const { tab, at: tabAt } = await tabOpened;
  const codeAt = await codeShown;
  const opens: { active: boolean | null }[] = await page.evaluate(() => (window as any).__benchOpens);

  const authorizedAt = options.traffic.between(t0, now()).find((h) => h.what === '/oidc/device/auth')?.at;
  if (authorizedAt === undefined) throw new Error('no device authorization request was seen');
  const stats = await deviceStats(options.platform);
  const intervalS: number = stats.interval ?? 5;

  // the person: check the code, CONFIRM, sign in when asked; the approving click at the planned time
  const planned = authorizedAt + 1_000 + approvalPhase(options.run, options.runs, intervalS * 1_000);
  const confirm = tab.getByRole('button', { name: 'CONFIRM' });
  await confirm.waitFor({ timeout: 30_000 });
  let approveAt: number;
  if (options.login) {
    await confirm.click();
    await tab.getByLabel('Email').fill('dev@example.test');
    await tab.getByLabel('Password').fill('dev-password');
    await sleep(planned - now());
    approveAt = now();
    await tab.getByRole('button', { name: 'Sign in' }).click();
  } else {
    await sleep(planned - now());
    approveAt = now();
    await confirm.click();
  }
  const doneAt = await waitForNewPrompt(prompt, before, 60_000);
  const text = await outputText(cell);
  if (!text.includes('Signed in as')) throw new Error(`the sign-in cell ended without signing in: ${text.slice(0, 300)}`);
  await tab.close();

  const hits = options.traffic.between(t0, doneAt);
  const polls = hits.filter((h) => h.what === '/oidc/token (device_code)');
  const tokensAt = polls.find((h) => h.status === 200)?.at ?? NaN;
  const device = await deviceStats(options.platform);
  return {
    keyToCodeMs: codeAt - t0,
    keyToTabMs: tabAt - t0,
    activeAtOpen: opens.length > opensBefore ? opens[opens.length - 1].active : null,
    approveToTokensMs: tokensAt - approveAt,
    approveToDoneMs: doneAt - approveAt,
    tokensToDoneMs: doneAt - tokensAt,
    polls: device.polls,
    fewestPolls: Math.max(1, Math.ceil((approveAt - authorizedAt) / (intervalS * 1_000))),
    slowDowns: device.replies.slow_down ?? 0,
    issued: device.replies.issued ?? 0,
    intervalS,
    requests: PlatformTraffic.count(hits),
  };
}

/** The platform's counters for the newest device code (GET /dev/stats). */
async function deviceStats(platform: string): Promise<{ polls: number; interval?: number; replies: Record<string, number> }> {
  const stats = (await (await fetch(new URL('dev/stats', platform))).json()) as {
    deviceCodes: Record<string, { ordinal: number; polls: number; interval?: number; replies: Record<string, number> }>;
  };
  const codes = Object.values(stats.deviceCodes).sort((a, b) => b.ordinal - a.ordinal);
  if (!codes.length) throw new Error('the platform has seen no device code');
  return codes[0];
}

/** The moment the cell's prompt shows a new execution count (`[*]` -> `[n]`), polled every 20 ms. */
async function waitForNewPrompt(prompt: ReturnType<Page['locator']>, before: string, timeout: number): Promise<number> {
  const deadline = now() + timeout;
  for (;;) {
    const text = ((await prompt.textContent()) || '').trim();
    if (/^\[\d+\]:?$/.test(text) && text !== before) return now();
    if (now() > deadline) throw new Error(`cell did not finish within ${timeout} ms (prompt ${JSON.stringify(text)})`);
    await sleep(20);
  }
}
