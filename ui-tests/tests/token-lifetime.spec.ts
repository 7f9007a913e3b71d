/**
 * A 10 s access token lives through a 45 s run of API calls: the kernel refreshes it in the
 * background and on demand, so the notebook sees no prompt and no 401 - neither through the
 * environment (how the platform's API client reads it) nor through BearerAuth.
 */
import { startPlatform, type ExtraPlatform } from '../support/platform';
import { cellByIndex, createNotebook, expect, openNotebook, outputText, runCell, test, waitForKernelIdle } from './fixtures';

const NOTEBOOK = 'ui-tests/token-lifetime.ipynb';
const PORT = Number(process.env.SHORT_TOKEN_PLATFORM_PORT || 8710);
let platform: ExtraPlatform;

test.beforeAll(async ({}, testInfo) => {
  const site = new URL(testInfo.project.use.baseURL!).origin;
  platform = await startPlatform(PORT, site, { ACCESS_TOKEN_TTL: '10', POLL_INTERVAL: '1' });
});

test.afterAll(async () => {
  await platform?.stop();
});

test('a 10 s token survives 45 s of API calls with no prompt and no 401', async ({ page }) => {
  test.setTimeout(240_000);
  const api = `${platform.origin}/api/me`;
  await createNotebook(page, NOTEBOOK, [
    `from jupyterlite_auth import authenticate\nawait authenticate(issuer="${platform.issuer}")`,
    [
      'import asyncio, os, time, requests',
      'from jupyterlite_auth import BearerAuth',
      'auth = BearerAuth()',
      'statuses, tokens = [], set()',
      'start = time.monotonic()',
      'while time.monotonic() - start < 45:',
      `    by_env = requests.get("${api}", headers={"Authorization": "Bearer " + os.environ["OIDC_ACCESS_TOKEN"]})`,
      `    by_auth = requests.get("${api}", auth=auth)`,
      '    statuses += [by_env.status_code, by_auth.status_code] + [r.status_code for r in by_auth.history]',
      '    tokens.add(os.environ["OIDC_ACCESS_TOKEN"])',
      '    await asyncio.sleep(1.5)',
      'bad = [s for s in statuses if s != 200]',
      'print(f"calls={len(statuses)} non200={len(bad)} distinct_tokens={len(tokens)}")',
    ].join('\n'),
    // the ID token's signature was checked with WebCrypto, and a tampered one is refused
    [
      'import time',
      'from jupyterlite_auth import current_session, jwks',
      'from jupyterlite_auth.id_token import verify_id_token',
      'from jupyterlite_auth.verifiers import available_verifier',
      's = current_session()',
      'jwks.clear_cache()',
      'args = dict(issuer=s.config.issuer, client_id=s.config.client_id, now=time.time(), jwks_uri=s.metadata.jwks_uri, transport=s.transport)',
      'print("verifier", type(available_verifier()).__name__)',
      'print("sub", (await verify_id_token(s.tokens.id_token, **args))["sub"])',
      'h, p, sig = s.tokens.id_token.split(".")',
      'try:',
      '    await verify_id_token(h + "." + p[:-2] + "AA." + sig, **args)',
      'except Exception as e:',
      '    print("tampered:", type(e).__name__)',
    ].join('\n'),
  ]);
  await openNotebook(page, NOTEBOOK);
  await waitForKernelIdle(page, { path: NOTEBOOK });

  await runCell(page, 0, { key: 'Shift+Enter', noWait: true });
  const signIn = cellByIndex(page, 0);
  await expect(signIn.locator('.jp-OutputArea-output')).toContainText('Authentication Required', { timeout: 60_000 });
  const code = (await outputText(signIn)).match(/\b[A-Z]{4}-[A-Z]{4}\b/)![0];
  await platform.approve(code);
  await expect(signIn.locator('.jp-OutputArea-output')).toContainText('Signed in as', { timeout: 30_000 });

  await runCell(page, 1, { timeout: 120_000 });
  const text = await outputText(cellByIndex(page, 1));
  const [, calls, non200, distinct] = text.match(/calls=(\d+) non200=(\d+) distinct_tokens=(\d+)/)!.map(Number);
  expect(non200).toBe(0);
  expect(calls).toBeGreaterThanOrEqual(20);
  expect(distinct, 'the token was refreshed several times').toBeGreaterThanOrEqual(4);
  expect(text).not.toContain('Authentication Required');

  await runCell(page, 2);
  const verified = await outputText(cellByIndex(page, 2));
  expect(verified).toContain('verifier WebCryptoVerifier');
  expect(verified).toMatch(/sub \S+/);
  expect(verified).toContain('tampered: InvalidResponse');

  const stats = await platform.stats();
  expect(stats.deviceAuthorizations).toBe(1); // one sign-in, no second prompt
  expect(stats.refreshes).toBeGreaterThanOrEqual(4);
  expect(stats.refreshFailures).toBe(0);
});
