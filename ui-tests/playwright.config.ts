import { defineConfig } from '@playwright/test';

import { CHROMIUM_PATH, chromiumArgs } from './support/chromium';
import { SITE_URL } from './support/jupyterlab';

/**
 * UI tests against a site that is already being served (the Makefile starts the
 * servers; no `webServer` here): env SITE_URL (default http://127.0.0.1:8701) and
 * PLATFORM_URL (default http://127.0.0.1:8700). Debian Chromium only: set
 * CHROMIUM_PATH to use another binary. Nothing here downloads anything.
 */
export default defineConfig({
  testDir: './tests',
  globalSetup: './support/global-setup.ts',
  // 2 cores: Pyodide kernel start is CPU-bound (~12-14 s alone), so one at a time
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  // a test may start a kernel (~14 s) and run cells
  timeout: 180_000,
  expect: { timeout: 15_000 },
  outputDir: './test-results',
  reporter: [['list'], ['html', { open: 'never', outputFolder: './playwright-report' }]],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 720 },
    baseURL: SITE_URL,
    headless: true,
    serviceWorkers: 'allow',
    actionTimeout: 20_000,
    navigationTimeout: 60_000,
    // a trace of every failing test; its screencast is off because on 2 cores it
    // slows Pyodide's start ~4x (80 s instead of 17 s); DOM snapshots stay on
    trace: { mode: 'retain-on-failure', screenshots: false, snapshots: true, sources: true },
    screenshot: 'only-on-failure',
    video: 'off',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: chromiumArgs(),
    },
  },
  projects: [{ name: 'chromium' }],
});
