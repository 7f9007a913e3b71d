/**
 * A second dev platform for tests that need other settings (e.g. a 10 s access token), on its
 * own port, allowing the site's origin for CORS. The Makefile's platform stays untouched.
 */
import { ChildProcess, spawn, execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..', '..');

export interface ExtraPlatform {
  origin: string;
  issuer: string;
  stop(): Promise<void>;
  approve(userCode: string): Promise<void>;
  stats(): Promise<any>;
}

export async function startPlatform(port: number, siteOrigin: string, env: Record<string, string>): Promise<ExtraPlatform> {
  const child: ChildProcess = spawn('node', [resolve(ROOT, 'dev-platform/server.js')], {
    env: { ...process.env, PLATFORM_PORT: String(port), SITE_PORT: '0', SITE_ORIGIN: siteOrigin, SITE_DIR: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`platform not ready:\n${output}`)), 15_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (/^dev-platform ready/m.test(output)) {
        clearTimeout(timer);
        ready();
      }
    });
    child.stderr!.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => fail(new Error(`platform exited ${code}:\n${output}`)));
  });
  const origin = `http://127.0.0.1:${port}`;
  return {
    origin,
    issuer: `${origin}/oidc`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((done) => child.on('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
    },
    async approve(userCode: string) {
      await promisify(execFile)('node', [resolve(ROOT, 'dev-platform/tools/approve.js'), userCode, '--platform', origin]);
    },
    async stats() {
      return (await fetch(`${origin}/dev/stats`)).json();
    },
  };
}

/** What `/dev/stats` says about each device code (keyed by a hash, never the code). */
export interface DeviceStats {
  deviceCodes: Record<string, { ordinal: number; polls: number; interval?: number; replies: Record<string, number> }>;
}

export async function deviceStats(origin: string): Promise<DeviceStats> {
  const reply = await fetch(new URL('dev/stats', origin.endsWith('/') ? origin : `${origin}/`));
  return (await reply.json()) as DeviceStats;
}

/** The device code issued last. */
export function newestDevice(stats: DeviceStats) {
  return Object.values(stats.deviceCodes).sort((a, b) => b.ordinal - a.ordinal)[0];
}

/** On the provider's verification page: CONFIRM the code, then sign in as the dev user. */
export async function confirmAsDevUser(tab: import('@playwright/test').Page): Promise<void> {
  await tab.getByRole('button', { name: 'CONFIRM' }).click();
  await tab.getByLabel('Email').fill('dev@example.test');
  await tab.getByLabel('Password').fill('dev-password');
  await tab.getByRole('button', { name: 'Sign in' }).click();
}
