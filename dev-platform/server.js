#!/usr/bin/env node
// Entry point: `node dev-platform/server.js`. Reads the environment, starts the platform, prints
// one "dev-platform ready ..." line, and stops cleanly on SIGINT/SIGTERM.
import { ConfigError, readConfig } from './src/config.js';
import { generateSigningKey } from './src/keys.js';

const started = performance.now();

function configError(err) {
  process.stderr.write(`dev-platform: invalid configuration: ${err.message}\n`);
  process.exit(2);
}

// Check the environment before loading the provider, so a bad value fails fast.
try {
  readConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) configError(err);
  throw err;
}

// Key generation runs on the thread pool while the provider's modules load.
const signingKey = generateSigningKey();
const { startPlatform } = await import('./src/platform.js');

let platform;
try {
  platform = await startPlatform(process.env, { signingKey });
} catch (err) {
  if (err instanceof ConfigError) configError(err);
  if (err?.code === 'EADDRINUSE') {
    process.stderr.write(
      `dev-platform: port ${err.port} on ${err.address} is already in use (another dev platform or demo?). ` +
        'Stop it, or choose free ports: PLATFORM_PORT=... SITE_PORT=... (make demo PLATFORM_PORT=9000 SITE_PORT=9001)\n'
    );
    process.exit(3);
  }
  throw err;
}

const { urls } = platform;
const site = urls.site ? ` site=${urls.site}` : '';
process.stdout.write(
  `dev-platform ready issuer=${urls.issuer} api=${urls.api}${site} site_origin=${urls.siteOrigin} `
  + `(${Math.round(performance.now() - started)} ms)\n`,
);

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`dev-platform: ${signal}, stopping\n`);
  await platform.close();
  process.exit(0);
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
