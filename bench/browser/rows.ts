/** Which figures of latest.json the table shows, in the order of the five items. */
import type { Row } from './report';

export function buildRows(r: any): Row[] {
  const k = r.kernelStart;
  const f = r.signIn.firstUse;
  const w = r.signIn.warm;
  const active = (list: (boolean | null)[]) => `${list.filter((a) => a === true).length} of ${list.length}`;
  const js = r.sizes.labextensionJs;
  const rows: Row[] = [
    ['1. page open → kernel idle, with extension', k.withExtension.idleMs, 'ms'],
    ['1. page open → kernel idle, without extension', k.withoutExtension.idleMs, 'ms'],
    ['1. ratio (idle, medians)', k.ratio.idle, '×'],
    ['1. page open → first cell can run, with extension', k.withExtension.readyMs, 'ms'],
    ['1. page open → first cell can run, without extension', k.withoutExtension.readyMs, 'ms'],
    ['1. ratio (first cell, medians)', k.ratio.ready, '×'],
    ['1. ratio (first cell) per round, with / without', k.ratio.readyPaired, '%'],
    ['1. JavaScript the page loaded, with extension', k.withExtension.javascriptBytes, 'B'],
    ['1. JavaScript the page loaded, without extension', k.withoutExtension.javascriptBytes, 'B'],
    ['2. Shift+Enter → code shown, first use', f.keyToCodeMs, 'ms'],
    ['2. Shift+Enter → sign-in tab opened, first use', f.keyToTabMs, 'ms'],
    ['2. Shift+Enter → code shown, warm kernel', w.keyToCodeMs, 'ms'],
    ['2. Shift+Enter → sign-in tab opened, warm kernel', w.keyToTabMs, 'ms'],
    ['2. user activation still active at window.open', active([...f.activeAtOpen, ...w.activeAtOpen]), ''],
    ['3. approving click → tokens, first use (Sign in)', f.approveToTokensMs, 'ms'],
    ['3. approving click → cell finished, first use (Sign in)', f.approveToDoneMs, 'ms'],
    ['3. tokens → cell finished, first use', f.tokensToDoneMs, 'ms'],
    ['3. CONFIRM → tokens, warm', w.approveToTokensMs, 'ms'],
    ['3. CONFIRM → cell finished, warm', w.approveToDoneMs, 'ms'],
    ['3. tokens → cell finished, warm', w.tokensToDoneMs, 'ms'],
    ['3. polls per sign-in (all)', combine(f.polls, w.polls), ''],
    ['3. polls a client polling every interval would make', combine(f.fewestPolls, w.fewestPolls), ''],
    ['3. polls beyond that, summed (negative: fewer)', f.extraPolls + w.extraPolls, ''],
    ['3. slow_down replies, summed', f.slowDowns + w.slowDowns, ''],
    ['4. refresh, Pyodide', r.refreshMs.pyodide, 'ms'],
    ['4. refresh, CPython', r.refreshMs.cpython, 'ms'],
    [`4. import jupyterlite_auth, Pyodide, from source (${r.importMs.modules} modules; as at every kernel start)`, r.importMs.pyodideFromSource, 'ms'],
    ['4. import jupyterlite_auth, Pyodide, from bytecode (compileall)', r.importMs.pyodideFromBytecode, 'ms'],
    ['4. import ipywidgets, Pyodide (first sign-in, before the code shows)', r.importMs.ipywidgetsInPyodide, 'ms'],
    ['4. import requests, Pyodide (first sign-in, after the tokens came)', r.importMs.requestsInPyodide, 'ms'],
    ['4. distribution wheel', r.sizes.distWheel.bytes, 'B'],
    ['4. kernel wheel (installed by piplite at each kernel start)', r.sizes.kernelWheel.bytes, 'B'],
    ['4. labextension JS, all files (gzip -9)', `${js.total.bytes} B (${js.total.gzip} B)`, ''],
    ['4. labextension JS loaded at start (gzip -9)', `${js.loadedAtStart.bytes} B (${js.loadedAtStart.gzip} B)`, ''],
  ];
  for (const [name, c] of Object.entries<any>(r.cpython)) {
    rows.push(
      [`5. ${name}: call → code shown`, c.codeShownMs, 'ms'],
      [`5. ${name}: requests per sign-in`, c.requests, ''],
      [`5. ${name}: polls per sign-in (every-interval client: ${c.fewestPolls?.median})`, c.polls, ''],
      [`5. ${name}: approval → tokens`, c.approveToTokensMs, 'ms'],
      [`5. ${name}: approval → call returned`, c.approveToReturnMs, 'ms'],
      [`5. ${name}: slow_down replies, summed`, c.slowDowns, ''],
      [`5. ${name}: import (kernel stdlib preloaded)`, c.importMs, 'ms'],
    );
  }
  return rows;
}

/** Two summaries of counts as one (first-use and warm sign-ins together). */
function combine(a: any, b: any): any {
  const values = [...(a?.values ?? []), ...(b?.values ?? [])].sort((x, y) => x - y);
  if (!values.length) return null;
  const mid = values.length >> 1;
  const median = values.length % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
  return { n: values.length, median, min: values[0], max: values[values.length - 1], values };
}
