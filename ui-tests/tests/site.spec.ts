/**
 * Smoke test of the built lite site: the offline Pyodide kernel starts, the packages
 * our project needs import, and nothing is fetched from outside this machine.
 */
import {
  cellOutputText,
  createNotebook,
  expect,
  openNotebook,
  runCell,
  runCellByContent,
  outputText,
  test,
  waitForKernelIdle,
} from './fixtures';

const NOTEBOOK = 'ui-tests/smoke.ipynb';
const SMOKE_CELL = 'import micropip, ipywidgets, requests, pyodide_http; print("ok", ipywidgets.__version__)';

test('the kernel starts offline and imports micropip, ipywidgets, requests, pyodide_http', async ({
  page,
  networkGuard,
}, testInfo) => {
  // the notebook lives only in this test's browser storage, not in lite/contents
  await createNotebook(page, NOTEBOOK, [SMOKE_CELL, { cell_type: 'markdown', source: '# smoke' }, 'sum(range(5))']);

  const opened = Date.now();
  await openNotebook(page, NOTEBOOK);
  await waitForKernelIdle(page, { path: NOTEBOOK });
  const kernelStartMs = Date.now() - opened;

  const ran = Date.now();
  await runCell(page, 0);
  const cellMs = Date.now() - ran;
  expect((await cellOutputText(page, 0)).trim()).toBe('ok 8.1.9');
  const sumCell = await runCellByContent(page, 'sum(range');
  expect((await outputText(sumCell)).trim()).toBe('10');

  // Pyodide came from the site itself
  const pyodide = networkGuard.requests.filter((r) => r.url.includes('/static/pyodide/'));
  expect(pyodide.map((r) => r.url.split('/').pop())).toEqual(
    expect.arrayContaining(['pyodide.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']),
  );

  testInfo.annotations.push(
    { type: 'kernel-start-ms', description: String(kernelStartMs) },
    { type: 'cell-ms', description: String(cellMs) },
  );
  await testInfo.attach('timings.json', {
    body: JSON.stringify({ kernelStartMs, cellMs }),
    contentType: 'application/json',
  });
  console.log(`page open -> kernel idle: ${kernelStartMs} ms; smoke cell: ${cellMs} ms`);
});
