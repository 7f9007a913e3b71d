/**
 * `make bench`: what sign-in costs, side by side (docs/benchmarks.md). Starts two dev platforms
 * (one serving the site built with our extension, one the same site without it), runs the
 * browser rounds, then the CPython comparison against the first platform, prints a table and
 * writes bench/results/latest.json. Nothing here asserts a timing: it measures and reports.
 *
 * Env: BENCH_RUNS (default 5); BENCH_PORT (default 8720: it and the next three ports);
 * BENCH_PYTHON (default .venv-bench/bin/python). Run from the repository root.
 */
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';

import { startPlatform, type ExtraPlatform } from '../../ui-tests/support/platform';
import { markdownTable } from './report';
import { assemble } from './results';
import { browserRounds } from './rounds';
import { buildRows } from './rows';
import { round } from './stats';

const ROOT = process.cwd();
const RUNS = Number(process.env.BENCH_RUNS || 5);
const PORT = Number(process.env.BENCH_PORT || 8720);
const PYTHON = process.env.BENCH_PYTHON || join(ROOT, '.venv-bench', 'bin', 'python');
const OUT = join(ROOT, 'bench', '_output');
const RESULT = join(ROOT, 'bench', 'results', 'latest.json');
const SITES = { auth: join(OUT, 'sites', 'auth', '_output'), plain: join(OUT, 'sites', 'plain', '_output') };

function log(message: string): void {
  console.log(`[bench] ${message}`);
}

/** support/platform.ts finds dev-platform/ two folders above itself; compiled, that is here. */
function linkDevPlatform(): void {
  const link = join(OUT, 'js', 'dev-platform');
  if (!fs.existsSync(link)) fs.symlinkSync(join(ROOT, 'dev-platform'), link, 'dir');
}

/** The commit measured, and whether the product's sources differed from it (read-only git). */
function revision(): { commit: string; dirty: boolean } | null {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf-8' }).trim();
  try {
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain', '--', 'py', 'src', 'schema', 'style', 'package.json') !== '' };
  } catch {
    return null;
  }
}

function cpythonCompare(platform: ExtraPlatform): Promise<any> {
  const out = join(OUT, 'cpython.json');
  const args = ['bench/cpython_compare.py', '--platform', platform.origin, '--runs', String(RUNS), '--json', out];
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(fs.readFileSync(out, 'utf-8'))) : reject(new Error(`cpython_compare.py exited ${code}`))));
  });
}

async function main(): Promise<void> {
  linkDevPlatform();
  const load = [os.loadavg()[0]];
  const siteURLs = { auth: `http://127.0.0.1:${PORT + 1}/`, plain: `http://127.0.0.1:${PORT + 3}/` };
  const platform = await startPlatform(PORT, `http://127.0.0.1:${PORT + 1}`, { SITE_PORT: String(PORT + 1), SITE_DIR: SITES.auth });
  const plainServer = await startPlatform(PORT + 2, `http://127.0.0.1:${PORT + 3}`, { SITE_PORT: String(PORT + 3), SITE_DIR: SITES.plain });
  let browser, cpython;
  try {
    log(`${RUNS} rounds; platform ${platform.origin}, sites ${siteURLs.auth} (with extension) and ${siteURLs.plain} (without)`);
    browser = await browserRounds(RUNS, platform, siteURLs, log);
    await plainServer.stop(); // its site is done with: the CPython runs get the CPU
    cpython = await cpythonCompare(platform);
  } finally {
    await plainServer.stop();
    await platform.stop();
  }
  load.push(os.loadavg()[0]);
  const machine = { cpus: os.cpus().length, loadavg1mBeforeAfter: load.map((l) => round(l, 2)), node: process.version };
  const result = assemble({ root: ROOT, sites: SITES, runs: RUNS, revision: revision(), machine }, browser, cpython);
  fs.mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(RESULT, JSON.stringify(result, null, 2) + '\n');
  console.log(`\n${markdownTable(buildRows(result))}\n`);
  log(`wrote ${RESULT}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
