/**
 * How the UI tests start Debian's Chromium (/usr/bin/chromium): never a Playwright
 * browser download, and no call from Chromium itself to any host outside this machine.
 */

/** The browser binary: env CHROMIUM_PATH, else Debian's. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/**
 * Playwright's own `--disable-features` list (playwright-core 1.65.1,
 * server/chromium/chromiumSwitches.ts). Chromium keeps only the LAST
 * `--disable-features` switch, so ours must repeat these. tests/harness.spec.ts
 * checks this copy against the installed playwright-core, so an upgrade that
 * changes the list fails loudly instead of silently dropping a default.
 */
export const PLAYWRIGHT_DISABLED_FEATURES = [
  'AvoidUnnecessaryBeforeUnloadCheckSync',
  'DestroyProfileOnBrowserClose',
  'HttpsUpgrades',
  'HttpsFirstBalancedModeAutoEnable',
  'LensOverlay',
  'MediaRouter',
  'PaintHolding',
  'ThirdPartyStoragePartitioning',
  'AvoidCorsURLLoaderRestartOnRedirect',
  'TcpPortRandomizationWin',
  'OptimizationHints',
  'NetworkTimeServiceQuerying',
  'AimEnabled',
  'PreconnectToSearch',
  'msForceBrowserSignIn',
  'msEdgeUpdateLaunchServicesPreferredVersion',
];

/** Features we disable on top: Chromium's own calls to outside hosts. */
export const EXTRA_DISABLED_FEATURES = ['AutofillServerCommunication'];

export const DISABLED_FEATURES = [
  ...new Set([...PLAYWRIGHT_DISABLED_FEATURES, ...EXTRA_DISABLED_FEATURES]),
];

/** A loopback port where nothing listens: URLs Chromium must never really use. */
export const DEAD_LOOPBACK_URL = 'http://127.0.0.1:9/';

/**
 * Hosts that bypass the guard proxy (see support/proxy-sink.ts). Chromium bypasses
 * loopback by itself; this says it explicitly.
 */
export function proxyBypassList(extraHosts: string[] = []): string {
  return ['localhost', '*.localhost', '127.0.0.1/8', '[::1]', ...extraHosts].join(';');
}

/** Launch arguments (Playwright adds --headless and --no-sandbox itself). */
export function chromiumArgs(): string[] {
  return [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--disable-features=${DISABLED_FEATURES.join(',')}`,
    `--gaia-url=${DEAD_LOOPBACK_URL}`,
    `--component-updater=url-source=${DEAD_LOOPBACK_URL}`,
  ];
}
