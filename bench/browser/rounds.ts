/**
 * The browser part: BENCH_RUNS rounds, each opening the notebook on both sites back to back
 * (alternating which goes first); on the site with the extension the same page goes on to the
 * sign-in, refresh and import measurements, on the other a fresh kernel times the imports that
 * only a first sign-in pays.
 */
import type { ExtraPlatform } from '../../ui-tests/support/platform';
import { BenchBrowser } from './browser';
import { timeKernelStart, type KernelStart } from './kernel-start';
import { appendProbeCells, timeFirstSignInImports, timeImport, timeRefresh, type ImportTimes } from './kernel-probes';
import { recordWindowOpen, signIn, type SignInResult } from './sign-in';
import { PlatformTraffic } from './traffic';

export type SiteName = 'auth' | 'plain';

export interface BrowserSamples {
  starts: Record<SiteName, KernelStart[]>;
  first: SignInResult[];
  warm: SignInResult[];
  refresh: number[];
  imports: ImportTimes[];
  firstImports: { ipywidgets: number; requests: number }[];
  chromium: string;
}

export async function browserRounds(
  runs: number,
  platform: ExtraPlatform,
  siteURLs: Record<SiteName, string>,
  log: (line: string) => void,
): Promise<BrowserSamples> {
  const samples: BrowserSamples = { starts: { auth: [], plain: [] }, first: [], warm: [], refresh: [], imports: [], firstImports: [], chromium: '' };
  const browser = await BenchBrowser.launch();
  samples.chromium = browser.version;
  try {
    for (let run = 0; run < runs; run++) {
      const order: SiteName[] = run % 2 ? ['plain', 'auth'] : ['auth', 'plain'];
      for (const site of order) {
        const guarded = await browser.open(siteURLs[site]);
        await recordWindowOpen(guarded.context);
        const traffic = new PlatformTraffic(guarded.context, platform.origin);
        const { page, start } = await timeKernelStart(guarded);
        samples.starts[site].push(start);
        log(`run ${run + 1}/${runs} ${site}: kernel idle ${Math.round(start.idleMs)} ms, ready ${Math.round(start.readyMs)} ms`);
        if (site === 'auth') {
          const cells = await appendProbeCells(page);
          const common = { run, runs, platform: `${platform.origin}/`, traffic };
          const a = await signIn(page, { ...common, cellIndex: cells.signIn, login: true });
          const b = await signIn(page, { ...common, cellIndex: cells.warm, login: false });
          samples.first.push(a);
          samples.warm.push(b);
          samples.refresh.push(...(await timeRefresh(page, cells.refresh)));
          samples.imports.push(await timeImport(page, cells.importTime));
          log(`run ${run + 1}/${runs} sign-in: key -> tab ${Math.round(a.keyToTabMs)} ms (warm ${Math.round(b.keyToTabMs)} ms), ` +
            `approval -> done ${Math.round(a.approveToDoneMs)} ms (warm ${Math.round(b.approveToDoneMs)} ms), polls ${a.polls}+${b.polls}`);
        } else {
          samples.firstImports.push(await timeFirstSignInImports(page));
        }
        await browser.close(guarded);
      }
    }
    return samples;
  } finally {
    await browser.shutdown();
  }
}
