/**
 * Item 1: what the extension adds to kernel start. A fresh context opens the site's notebook;
 * "idle" is the kernel connected and idle (as the UI tests wait for it, polled every 100 ms),
 * "ready" is when a silent `pass` sent right then has its reply: with the extension that waits for
 * the bootstrap (install + import + attach), which runs ahead of any cell.
 */
import type { Page } from '@playwright/test';

import { openNotebook, waitForKernelIdle } from '../../ui-tests/support/jupyterlab';
import type { GuardedContext } from './browser';
import { now } from './stats';

export const NOTEBOOK = 'sign-in.ipynb';

export interface KernelStart {
  idleMs: number;
  readyMs: number;
  /** Requests for files of our labextension (JS, schema, wheel) during the start. */
  extensionRequests: string[];
  /** Every path requested from the site during the start (for the bytes loaded). */
  sitePaths: string[];
}

export async function timeKernelStart({ context, guard }: GuardedContext): Promise<{ page: Page; start: KernelStart }> {
  const page = await context.newPage();
  const t0 = now();
  await openNotebook(page, NOTEBOOK);
  await waitForKernelIdle(page, { path: NOTEBOOK, timeout: 180_000 });
  const idleMs = now() - t0;
  await page.evaluate(async (path) => {
    const app = (window as any).jupyterapp;
    let widget: any = null;
    for (const w of app.shell.widgets('main')) if (w?.context?.path === path) widget = w;
    const kernel = widget.sessionContext.session.kernel;
    await kernel.requestExecute({ code: 'pass', silent: true, store_history: false }).done;
  }, NOTEBOOK);
  const readyMs = now() - t0;
  const site = new URL(page.url()).origin;
  const sitePaths = guard.requests.filter((r) => r.source === 'page' && new URL(r.url).origin === site).map((r) => new URL(r.url).pathname);
  const extensionRequests = sitePaths.filter((path) => path.includes('/extensions/jupyterlite-auth/'));
  return { page, start: { idleMs, readyMs, extensionRequests, sitePaths } };
}
