/**
 * Item 4 inside Pyodide: cells appended to the open notebook that time a token refresh,
 * `import jupyterlite_auth`, and the imports only a kernel's first sign-in pays; each prints one
 * parseable line (no token, ever).
 */
import type { Page } from '@playwright/test';

import { cellOutputText, runCell } from '../../ui-tests/support/jupyterlab';

export const WARM_SIGN_IN = 'await authenticate(force=True)';

const REFRESH = `
import time
from jupyterlite_auth import current_session
_bench = []
for _ in range(3):
    _t = time.perf_counter()
    await current_session().refresh()
    _bench.append((time.perf_counter() - _t) * 1000)
print("bench-refresh-ms", *(f"{ms:.1f}" for ms in _bench))
del _bench, _t`.trim();

// Times a fresh import of the package (its modules dropped from sys.modules): from source, as
// every kernel start does it (Pyodide runs with sys.dont_write_bytecode, so piplite's install
// never gets a __pycache__), then from bytecode that compileall wrote, as a precompiled wheel
// would give. The kernel's own modules are put back afterwards.
const IMPORT = `
import compileall, importlib, pathlib, shutil, sys, time
import jupyterlite_auth as _pkg
def _bench_import():
    ours = lambda name: name == "jupyterlite_auth" or name.startswith("jupyterlite_auth.")
    saved = {n: m for n, m in sys.modules.items() if ours(n)}
    root = pathlib.Path(_pkg.__file__).parent
    def timed():
        for name in [n for n in sys.modules if ours(n)]:
            del sys.modules[name]
        importlib.invalidate_caches()
        t = time.perf_counter()
        import jupyterlite_auth
        return (time.perf_counter() - t) * 1000, sum(1 for n in sys.modules if ours(n))
    had_bytecode = any(root.rglob("*.pyc"))
    for cache in root.rglob("__pycache__"):
        shutil.rmtree(cache)
    try:
        source, modules = timed()
        compileall.compile_dir(str(root), quiet=1)
        compiled, _ = timed()
    finally:
        for cache in root.rglob("__pycache__"):
            shutil.rmtree(cache)
        for name in [n for n in sys.modules if ours(n)]:
            del sys.modules[name]
        sys.modules.update(saved)
    print(f"bench-import-ms source={source:.1f} bytecode={compiled:.1f} modules={modules}"
          f" had_bytecode={had_bytecode} dont_write_bytecode={sys.dont_write_bytecode}")
_bench_import()
del _bench_import, _pkg`.trim();

// What the first sign-in of a kernel imports and later ones do not, timed in a kernel that has
// not imported them (a fresh one of the site without the extension): ipywidgets for the sign-in
// widget (before the code shows and the tab opens) and requests, which pyodide_http.patch_all
// imports in prepare_http_clients (after the tokens came, before the cell ends). The imports are
// literal statements: the kernel loads a site package's wheel before the cell runs only when it
// sees one, which keeps that loading out of the times, as the extension's preload does.
const FIRST_SIGN_IN_IMPORTS = `
import sys, time
_bench = {n: n in sys.modules for n in ("ipywidgets", "requests")}
_t = time.perf_counter()
import ipywidgets
_bench["ipywidgets"] = "already" if _bench["ipywidgets"] else f"{(time.perf_counter() - _t) * 1000:.1f}"
_t = time.perf_counter()
import requests
_bench["requests"] = "already" if _bench["requests"] else f"{(time.perf_counter() - _t) * 1000:.1f}"
print("bench-first-imports-ms", *(f"{k}={v}" for k, v in _bench.items()))
del _bench, _t`.trim();

/**
 * Finds the notebook's own sign-in cell (`await authenticate()`) and appends the warm sign-in,
 * refresh and import cells; returns their indices.
 */
export async function appendProbeCells(page: Page): Promise<{ signIn: number; warm: number; refresh: number; importTime: number }> {
  const [signIn, first]: [number, number] = await page.evaluate((sources) => {
    const shared = (window as any).jupyterapp.shell.currentWidget.content.model.sharedModel;
    const own = shared.cells.findIndex((c: any) => c.cell_type === 'code' && c.getSource().includes('await authenticate()'));
    const start = shared.cells.length;
    shared.insertCells(start, sources.map((source: string) => ({ cell_type: 'code', source })));
    return [own, start];
  }, [`from jupyterlite_auth import authenticate\n${WARM_SIGN_IN}`, REFRESH, IMPORT]);
  if (signIn < 0) throw new Error('the notebook has no `await authenticate()` cell');
  return { signIn, warm: first, refresh: first + 1, importTime: first + 2 };
}

/** Appends and runs FIRST_SIGN_IN_IMPORTS in the open notebook; returns the times. */
export async function timeFirstSignInImports(page: Page): Promise<{ ipywidgets: number; requests: number }> {
  const index: number = await page.evaluate((source) => {
    const shared = (window as any).jupyterapp.shell.currentWidget.content.model.sharedModel;
    shared.insertCells(shared.cells.length, [{ cell_type: 'code', source }]);
    return shared.cells.length - 1;
  }, FIRST_SIGN_IN_IMPORTS);
  await runCell(page, index, { timeout: 60_000 });
  const text = await cellOutputText(page, index);
  const m = text.match(/bench-first-imports-ms ipywidgets=([\d.]+) requests=([\d.]+)/);
  if (!m) throw new Error(`first sign-in imports cell: ${text.slice(0, 300)}`);
  return { ipywidgets: Number(m[1]), requests: Number(m[2]) };
}

export async function timeRefresh(page: Page, index: number): Promise<number[]> {
  await runCell(page, index, { timeout: 60_000 });
  const line = (await cellOutputText(page, index)).match(/bench-refresh-ms ([\d. ]+)/);
  if (!line) throw new Error(`refresh cell: ${(await cellOutputText(page, index)).slice(0, 300)}`);
  return line[1].trim().split(/\s+/).map(Number);
}

export interface ImportTimes {
  sourceMs: number;
  bytecodeMs: number;
  modules: number;
  hadBytecode: boolean;
  dontWriteBytecode: boolean;
}

export async function timeImport(page: Page, index: number): Promise<ImportTimes> {
  await runCell(page, index, { timeout: 60_000 });
  const text = await cellOutputText(page, index);
  const m = text.match(/bench-import-ms source=([\d.]+) bytecode=([\d.]+) modules=(\d+) had_bytecode=(\w+) dont_write_bytecode=(\w+)/);
  if (!m) throw new Error(`import cell: ${text.slice(0, 300)}`);
  return { sourceMs: Number(m[1]), bytecodeMs: Number(m[2]), modules: Number(m[3]), hadBytecode: m[4] === 'True', dontWriteBytecode: m[5] === 'True' };
}
