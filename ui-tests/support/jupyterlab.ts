/**
 * Helpers to drive the JupyterLite JupyterLab UI (`lab/`) with stable JupyterLab 4
 * selectors. They take a Page, or a Frame when the site runs inside a host page.
 *
 * Kernel state is read from `window.jupyterapp`, which JupyterLite sets when the page
 * config has `exposeAppInBrowser: true`; the `exposeApp` fixture (on by default)
 * adds that to the site's jupyter-lite.json responses during tests.
 */
import type { BrowserContext, Frame, Locator, Page } from '@playwright/test';

export type Target = Page | Frame;

export const SITE_URL = withSlash(process.env.SITE_URL || 'http://127.0.0.1:8701');
export const PLATFORM_URL = withSlash(process.env.PLATFORM_URL || 'http://127.0.0.1:8700');

export function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** Add `exposeAppInBrowser: true` to every jupyter-lite.json the context loads. */
export async function exposeJupyterApp(context: BrowserContext): Promise<void> {
  await context.route(/\/jupyter-lite\.json(\?.*)?$/, async (route) => {
    const response = await route.fetch();
    let body: any;
    try {
      body = await response.json();
    } catch {
      await route.fulfill({ response });
      return;
    }
    if (body && typeof body === 'object' && body['jupyter-config-data']) {
      body['jupyter-config-data'].exposeAppInBrowser = true;
    }
    await route.fulfill({ response, json: body });
  });
}

/** Wait until `window.jupyterapp` exists and the app is restored. */
export async function waitForApp(target: Target, timeout = 60_000): Promise<void> {
  await target.waitForFunction(() => !!(window as any).jupyterapp?.serviceManager, null, {
    timeout,
  });
  await target.evaluate(async () => {
    await (window as any).jupyterapp.restored;
  });
}

export type CellSpec = string | { cell_type: 'code' | 'markdown' | 'raw'; source: string };

/**
 * Save a notebook into the site's browser storage through the contents API of the
 * running app (opening `lab/index.html` first when no app is loaded).
 */
export async function createNotebook(target: Target, path: string, cells: CellSpec[]): Promise<void> {
  const hasApp = await target.evaluate(() => !!(window as any).jupyterapp).catch(() => false);
  if (!hasApp) {
    // a Page resolves against its baseURL (SITE_URL by default); a Frame needs a full URL
    await target.goto(isPage(target) ? 'lab/index.html' : new URL('lab/index.html', SITE_URL).href);
  }
  await waitForApp(target);
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: 'python', display_name: 'Python (Pyodide)', language: 'python' },
      language_info: { name: 'python' },
    },
    cells: cells.map((cell, i) => {
      const spec = typeof cell === 'string' ? { cell_type: 'code' as const, source: cell } : cell;
      const base = { id: `cell-${i}`, cell_type: spec.cell_type, metadata: {}, source: spec.source };
      return spec.cell_type === 'code' ? { ...base, outputs: [], execution_count: null } : base;
    }),
  };
  await target.evaluate(
    async ({ path, notebook }) => {
      const contents = (window as any).jupyterapp.serviceManager.contents;
      const parts = path.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) {
        const dir = parts.slice(0, i).join('/');
        try {
          await contents.get(dir, { content: false });
        } catch {
          const made = await contents.newUntitled({ type: 'directory', path: parts.slice(0, i - 1).join('/') });
          await contents.rename(made.path, dir);
        }
      }
      await contents.save(path, { type: 'notebook', format: 'json', content: notebook });
    },
    { path, notebook },
  );
}

function isPage(target: Target): target is Page {
  return typeof (target as Page).context === 'function';
}

/** Open a notebook in the JupyterLab UI: `lab/index.html?path=<path>`. */
export async function openNotebook(page: Page, path: string): Promise<Locator> {
  await page.goto(`lab/index.html?path=${encodeURIComponent(path)}`);
  const panel = activeNotebook(page);
  await panel.locator('.jp-Notebook .jp-Cell').first().waitFor({ state: 'visible', timeout: 60_000 });
  return panel;
}

/** The visible notebook panel (hidden tabs carry lm-mod-hidden). */
export function activeNotebook(target: Target): Locator {
  return target.locator('.jp-NotebookPanel:not(.lm-mod-hidden)').first();
}

/**
 * Wait until the kernel of the notebook at `path` (default: the current widget) is
 * connected and idle, and the notebook's execution indicator says so too.
 * Returns the time waited in ms.
 */
export async function waitForKernelIdle(
  target: Target,
  options: { path?: string; timeout?: number } = {},
): Promise<number> {
  const started = Date.now();
  const timeout = options.timeout ?? 120_000;
  const exposed = await target.evaluate(() => !!(window as any).jupyterapp).catch(() => false);
  if (!exposed) {
    throw new Error(
      'waitForKernelIdle needs window.jupyterapp: keep the exposeApp fixture on ' +
        '(or set exposeAppInBrowser in the site config)',
    );
  }
  await target.waitForFunction(
    (path) => {
      const app = (window as any).jupyterapp;
      let widget: any = null;
      if (path) {
        for (const w of app.shell.widgets('main')) {
          if (w?.context?.path === path) widget = w;
        }
      } else {
        widget = app.shell.currentWidget;
      }
      const kernel = widget?.sessionContext?.session?.kernel;
      return !!kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
    },
    options.path ?? null,
    { timeout, polling: 100 },
  );
  await activeNotebook(target)
    .locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    .waitFor({ state: 'attached', timeout: Math.max(1_000, timeout - (Date.now() - started)) });
  return Date.now() - started;
}

/** The cells of the visible notebook. */
export function cells(target: Target): Locator {
  return activeNotebook(target).locator('.jp-Notebook .jp-Cell');
}

export function cellByIndex(target: Target, index: number): Locator {
  return cells(target).nth(index);
}

/** The first cell whose source contains `text`. */
export function cellByContent(target: Target, text: string): Locator {
  return cells(target)
    .filter({ has: target.locator('.jp-InputArea-editor .cm-content', { hasText: text }) })
    .first();
}

export interface RunOptions {
  /** The key that runs it: Control+Enter (stay) or Shift+Enter (a user gesture too). */
  key?: string;
  timeout?: number;
  /** Return right after the key press (for cells that block, e.g. while a popup is handled). */
  noWait?: boolean;
}

/** Run a code cell the way a user does (focus its editor, press the key); waits for [n]. */
export async function runCellLocator(cell: Locator, options: RunOptions = {}): Promise<Locator> {
  const prompt = cell.locator('.jp-InputArea-prompt');
  const editor = cell.locator('.jp-InputArea-editor .cm-content');
  await cell.scrollIntoViewIfNeeded();
  const before = ((await prompt.textContent()) || '').trim();
  await editor.click();
  await editor.press(options.key ?? 'Control+Enter');
  if (options.noWait) return cell;
  const timeout = options.timeout ?? 60_000;
  const deadline = Date.now() + timeout;
  let now = before;
  // done when the prompt shows a new execution count: "[ ]:" / "[3]:" -> "[*]:" -> "[4]:"
  while (!(/^\[\d+\]:?$/.test(now) && now !== before)) {
    if (Date.now() > deadline) {
      throw new Error(`cell did not finish within ${timeout} ms (prompt ${JSON.stringify(now)})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    now = ((await prompt.textContent()) || '').trim();
  }
  return cell;
}

export async function runCell(target: Target, index: number, options: RunOptions = {}): Promise<Locator> {
  return runCellLocator(cellByIndex(target, index), options);
}

export async function runCellByContent(target: Target, text: string, options: RunOptions = {}): Promise<Locator> {
  return runCellLocator(cellByContent(target, text), options);
}

/** The text of all outputs of a cell, joined with newlines. */
export async function cellOutputText(target: Target, index: number): Promise<string> {
  return outputText(cellByIndex(target, index));
}

export async function outputText(cell: Locator): Promise<string> {
  const parts = await cell.locator('.jp-OutputArea-output').allInnerTexts();
  return parts.join('\n');
}
