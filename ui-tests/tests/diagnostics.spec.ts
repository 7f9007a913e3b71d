/**
 * What a user sees when sign-in cannot work, in the browser kernel: one line naming the endpoint,
 * the provider's origin and the site's origin (CORS), or the bad setting - never "status 0", a
 * JSON decode error, or a traceback through the library.
 */
import { startPlatform, type ExtraPlatform } from '../support/platform';
import { cellByIndex, createNotebook, expect, openNotebook, outputText, runCell, test, waitForKernelIdle } from './fixtures';

const NOTEBOOK = 'ui-tests/diagnostics.ipynb';
const PORT = Number(process.env.NO_CORS_PLATFORM_PORT || 8711);
let platform: ExtraPlatform;

test.beforeAll(async () => {
  // a provider that allows CORS for another origin only
  platform = await startPlatform(PORT, 'http://127.0.0.1:9', {});
});

test.afterAll(async () => {
  await platform?.stop();
});

test('CORS refusals, dead servers and bad settings get one clear line each', async ({ page, siteURL, platformURL }) => {
  const site = new URL(siteURL).origin;
  await createNotebook(page, NOTEBOOK, [
    `from jupyterlite_auth import authenticate\nawait authenticate(issuer="${platform.issuer}")`,
    'await authenticate(issuer="http://127.0.0.1:9/oidc")',
    'await authenticate(issuer="not a url")',
    'import os\nos.environ["OIDC_ISSUER"] = "ftp://example.org/oidc"\nawait authenticate()',
    `del os.environ["OIDC_ISSUER"]\nawait authenticate(issuer="${platformURL}odic")`,
  ]);
  await openNotebook(page, NOTEBOOK);
  await waitForKernelIdle(page, { path: NOTEBOOK });

  for (let i = 0; i < 5; i++) await runCell(page, i, { timeout: 60_000 });
  const [cors, dead, badArgument, badEnv, wrongPath] = await Promise.all(
    [0, 1, 2, 3, 4].map((i) => outputText(cellByIndex(page, i))),
  );

  expect(cors).toContain('TransportError: Could not reach the device authorization endpoint');
  expect(cors).toContain(`${platform.origin}/oidc/device/auth`);
  expect(cors).toContain(`cross-origin requests (CORS) from this site's origin ${site}`);
  expect(cors).toContain(`The server at ${platform.origin} answers, so either it does not allow cross-origin requests`);
  expect(cors).toContain(`Ask its administrators to allow the origin ${site}`);

  expect(dead).toContain('TransportError: Could not reach the discovery endpoint http://127.0.0.1:9/oidc/.well-known/openid-configuration');
  expect(dead).toContain('The server at http://127.0.0.1:9 does not answer: it is down, or unreachable from this browser.');
  // a typo in the issuer's path: the server answers, the message points at the address and the setting
  expect(wrongPath).toContain(`${platformURL}odic/.well-known/openid-configuration`);
  expect(wrongPath).toMatch(/answers, so either .* or the address is wrong.*Check the issuer setting too/);

  expect(badArgument).toContain("ConfigError: The argument issuer must be an absolute http(s) URL");
  expect(badEnv).toContain('ConfigError: The environment variable OIDC_ISSUER must be an absolute http(s) URL');

  for (const text of [cors, dead, badArgument, badEnv, wrongPath]) {
    expect(text).not.toContain('Traceback');
    expect(text).not.toMatch(/status 0|JSONDecodeError/);
    expect(text).not.toMatch(/\b[A-Z]{4}-[A-Z]{4}\b/); // no user code left behind
  }
});

test('a site setting of the wrong type is named in the console and in the notebook', async ({ page }) => {
  // as if someone edited the built site's jupyter-lite.json by hand (a build would have refused it)
  await page.context().route(/\/jupyter-lite\.json(\?.*)?$/, async (route) => {
    const response = await route.fetch();
    const body = await response.json().catch(() => null);
    const config = body?.['jupyter-config-data'];
    if (config) {
      config.exposeAppInBrowser = true;
      config.settingsOverrides = config.settingsOverrides ?? {};
      config.settingsOverrides['jupyterlite-auth:plugin'] = {
        ...(config.settingsOverrides['jupyterlite-auth:plugin'] ?? {}),
        issuer: 42,
      };
    }
    await route.fulfill({ response, json: body ?? undefined });
  });
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('[jupyterlite-auth]')) errors.push(message.text());
  });
  await createNotebook(page, 'ui-tests/bad-setting.ipynb', ['from jupyterlite_auth import authenticate\nawait authenticate()']);
  await openNotebook(page, 'ui-tests/bad-setting.ipynb');
  await waitForKernelIdle(page, { path: 'ui-tests/bad-setting.ipynb' });
  await runCell(page, 0, { timeout: 60_000 });
  const text = await outputText(cellByIndex(page, 0));
  expect(errors.join('\n')).toMatch(/issuer/);
  expect(text).toContain('ConfigError: No OpenID Connect issuer is configured.');
  expect(text).toContain(
    "The site's settings were not usable: could not load the settings of jupyterlite-auth:plugin (/issuer: must be string)",
  );
  expect(text).not.toContain('Traceback');
});
