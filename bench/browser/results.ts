/** bench/results/latest.json: every sample, summarized as medians with min and max. */
import type { BrowserSamples, SiteName } from './rounds';
import type { SignInResult } from './sign-in';
import { javascriptBytes, measureSizes } from './sizes';
import { round, summarize } from './stats';

export interface Meta {
  root: string;
  sites: Record<SiteName, string>;
  runs: number;
  revision: { commit: string; dirty: boolean } | null;
  machine: Record<string, unknown>;
}

function signInSummary(samples: SignInResult[]) {
  const pick = (f: (s: SignInResult) => number) => summarize(samples.map(f));
  return {
    keyToCodeMs: pick((s) => s.keyToCodeMs),
    keyToTabMs: pick((s) => s.keyToTabMs),
    activeAtOpen: samples.map((s) => s.activeAtOpen),
    approveToTokensMs: pick((s) => s.approveToTokensMs),
    approveToDoneMs: pick((s) => s.approveToDoneMs),
    tokensToDoneMs: pick((s) => s.tokensToDoneMs),
    polls: pick((s) => s.polls),
    fewestPolls: pick((s) => s.fewestPolls),
    extraPolls: samples.reduce((a, s) => a + s.polls - s.fewestPolls, 0),
    slowDowns: samples.reduce((a, s) => a + s.slowDowns, 0),
    issuedPerSignIn: samples.map((s) => s.issued),
    requests: samples.map((s) => s.requests),
  };
}

function kernelStart(b: BrowserSamples, sites: Record<SiteName, string>) {
  const kernel = (site: SiteName) => ({
    idleMs: summarize(b.starts[site].map((s) => s.idleMs)),
    readyMs: summarize(b.starts[site].map((s) => s.readyMs)),
    javascriptBytes: summarize(b.starts[site].map((s) => javascriptBytes(sites[site], s.sitePaths))),
  });
  const auth = kernel('auth');
  const plain = kernel('plain');
  return {
    withExtension: auth,
    withoutExtension: plain,
    ratio: {
      idle: round(auth.idleMs!.median / plain.idleMs!.median, 3),
      ready: round(auth.readyMs!.median / plain.readyMs!.median, 3),
      // each round's two starts ran back to back: their ratio cancels slow drifts of the machine
      readyPaired: summarize(b.starts.auth.map((s, i) => (100 * s.readyMs) / b.starts.plain[i].readyMs)),
    },
    extensionRequests: [...new Set(b.starts.auth.flatMap((s) => s.extensionRequests))].sort(),
  };
}

export function assemble(meta: Meta, b: BrowserSamples, cpython: any) {
  const start = kernelStart(b, meta.sites);
  return {
    generated: new Date().toISOString(),
    runs: meta.runs,
    revision: meta.revision,
    machine: { ...meta.machine, chromium: b.chromium, python: cpython.python },
    platform: { pollIntervalS: b.first[0]?.intervalS, settings: 'dev platform defaults' },
    kernelStart: start,
    signIn: { firstUse: signInSummary(b.first), warm: signInSummary(b.warm) },
    refreshMs: { pyodide: summarize(b.refresh), cpython: cpython.refreshMs },
    importMs: {
      pyodideFromSource: summarize(b.imports.map((i) => i.sourceMs)),
      pyodideFromBytecode: summarize(b.imports.map((i) => i.bytecodeMs)),
      modules: b.imports[0]?.modules,
      kernelWritesBytecode: b.imports[0] ? !b.imports[0].dontWriteBytecode : null,
      installedWithBytecode: b.imports[0]?.hadBytecode ?? null,
      ipywidgetsInPyodide: summarize(b.firstImports.map((i) => i.ipywidgets)),
      requestsInPyodide: summarize(b.firstImports.map((i) => i.requests)),
    },
    sizes: measureSizes(meta.root, meta.sites.auth, start.extensionRequests),
    cpython: cpython.clients,
  };
}
