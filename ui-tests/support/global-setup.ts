/**
 * Before any test: Chromium must exist (we never download one), and say early when
 * the site is not being served.
 */
import * as fs from 'node:fs';

import { CHROMIUM_PATH } from './chromium';
import { SITE_URL } from './jupyterlab';

export default async function globalSetup(): Promise<void> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `No Chromium at ${CHROMIUM_PATH}. Install Debian's: apt-get update && apt-get install -y chromium ` +
        '(or set CHROMIUM_PATH). Playwright browser downloads are not used here.',
    );
  }
  if (process.env.JUPYTERLAB_URL) return; // make test-jupyterlab: JupyterLab, no lite site
  try {
    const response = await fetch(new URL('lab/index.html', SITE_URL), { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) console.warn(`[ui-tests] ${SITE_URL}lab/index.html answered ${response.status}`);
  } catch (error) {
    console.warn(`[ui-tests] the lite site is not reachable at ${SITE_URL} (${error}); site tests will fail`);
  }
}
