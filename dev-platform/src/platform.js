// Starts the dev platform: one HTTP server on the platform origin (provider at /oidc, API at
// /api/, dev tools at /dev/) and, when SITE_DIR is set, a second one serving the notebook site.
import { createServer } from 'node:http';

import { createAccounts } from './account.js';
import { createApi } from './api.js';
import { readConfig } from './config.js';
import { providerPreflightFilter } from './cors.js';
import { createPollGate, gateDeviceCodeLookups } from './device-polling.js';
import { generateSigningKey } from './keys.js';
import { isLoopback, sendHtml, sendJson, sendText } from './http-util.js';
import { createInteractions } from './interactions.js';
import * as pages from './pages.js';
import { createProvider, MOUNT } from './provider.js';
import { observeProvider } from './provider-observer.js';
import { createHostPage } from './host-page.js';
import { createStaticSite } from './static-site.js';
import { createStats } from './stats.js';
import { createStore } from './store.js';

const HOST = '127.0.0.1';
// Expired device codes stay readable this long, so late polls get `expired_token`.
const KEEP_EXPIRED_DEVICE_CODES = 300;

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

// Runs a handler; an unexpected failure becomes a 500 (and a log line) instead of a hung socket.
function guarded(handler, log) {
  return (req, res) => {
    handler(req, res).catch((err) => {
      log(`dev-platform: ${req.method} ${req.url} failed: ${err?.stack ?? err}`);
      if (!res.headersSent) sendText(res, err?.status === 413 ? 413 : 500, 'internal error\n');
      else res.destroy();
    });
  };
}

/**
 * Starts the platform. `options` uses the environment variable names (see README), e.g.
 * startPlatform({ PLATFORM_PORT: 0, ACCESS_TOKEN_TTL: 2 }); nothing is read from process.env.
 * Resolves to { urls, config, stats, close }. `signingKey` may be a promise of the key, started
 * early by the caller so key generation overlaps module loading.
 */
export async function startPlatform(options = {}, {
  log = (line) => process.stderr.write(`${line}\n`),
  signingKey,
} = {}) {
  const config = readConfig(options);
  // Started before listening: generating the key is the slowest part of start-up.
  const keyPromise = Promise.resolve(signingKey ?? generateSigningKey());
  keyPromise.catch(() => {});
  const servers = [];
  try {
    return await start(config, servers, keyPromise, log);
  } catch (err) {
    // A port in use (or any other failure) must not leave the other server listening.
    await Promise.all(servers.map(closeServer));
    throw err;
  }
}

async function start(config, servers, keyPromise, log) {

  // The site first: with SITE_PORT=0 its origin (the one CORS allows) is known only after listen.
  let siteUrl;
  let siteOrigin = config.siteOrigin;
  if (config.siteDir) {
    const siteServer = createServer(guarded(createStaticSite(config.siteDir), log));
    servers.push(siteServer);
    const port = await listen(siteServer, config.sitePort);
    siteUrl = `http://${HOST}:${port}/`;
    siteOrigin ??= `http://${HOST}:${port}`;
  }
  siteOrigin ??= `http://${HOST}:${config.sitePort}`;

  // The platform server listens before the provider exists, because the issuer contains the port.
  let handler = async (_req, res) => sendText(res, 503, 'starting\n');
  const platformServer = createServer((req, res) => handler(req, res));
  servers.push(platformServer);
  const platformPort = await listen(platformServer, config.platformPort);
  const origin = `http://${HOST}:${platformPort}`;
  const issuer = `${origin}${MOUNT}`;

  const accounts = createAccounts(config);
  const store = createStore({
    clockTolerance: config.clockTolerance,
    keepExpired: { DeviceCode: KEEP_EXPIRED_DEVICE_CODES },
  });
  const gate = createPollGate({
    pollInterval: config.pollInterval,
    slowDownPolls: config.slowDownPolls,
    keepSeconds: KEEP_EXPIRED_DEVICE_CODES,
  });
  const stats = createStats({ describeDeviceCode: (key) => gate.describe(key) });
  const provider = createProvider({
    issuer,
    signingKey: await keyPromise,
    config,
    accounts,
    siteOrigin,
    adapter: gateDeviceCodeLookups(store.adapterFor, gate),
  });
  // The library keeps its own failures to a debug channel; a dev server should say them out loud.
  provider.on('server_error', (_ctx, err) => log(`dev-platform: provider error: ${err?.stack ?? err}`));
  provider.use(providerPreflightFilter(siteOrigin));
  provider.use(observeProvider({ gate, stats, pollInterval: config.pollInterval }));
  const providerCallback = provider.callback();
  const interactions = createInteractions({ provider, accounts });
  const api = createApi({ provider, accounts, config, siteOrigin });
  const hostPage = createHostPage({ config, siteOrigin, platformUrl: origin });

  const urls = Object.freeze({
    platform: `${origin}/`,
    issuer,
    discovery: `${issuer}/.well-known/openid-configuration`,
    deviceAuthorization: `${issuer}/device/auth`,
    token: `${issuer}/token`,
    verification: `${issuer}/device`,
    api: `${origin}/api/`,
    stats: `${origin}/dev/stats`,
    host: `${origin}/host`,
    site: siteUrl ?? null,
    siteOrigin,
  });

  // Hands a request to the provider as if it were mounted at /oidc (the library derives its
  // endpoint URLs from req.originalUrl vs req.url, as under express).
  function toProvider(req, res, innerUrl) {
    req.originalUrl = req.url;
    req.baseUrl = MOUNT;
    req.url = innerUrl;
    return providerCallback(req, res);
  }

  async function devTools(req, res, url) {
    if (!isLoopback(req.socket.remoteAddress)) {
      sendJson(res, 403, { error: 'forbidden', error_description: '/dev/ is for loopback clients only' });
    } else if (url.pathname === '/dev/stats' && req.method === 'GET') {
      sendJson(res, 200, stats.snapshot());
    } else if (url.pathname === '/dev/stats/reset' && req.method === 'POST') {
      stats.reset();
      sendJson(res, 200, stats.snapshot());
    } else {
      sendJson(res, 404, { error: 'not_found', error_description: `no dev endpoint ${req.method} ${url.pathname}` });
    }
  }

  handler = guarded(async (req, res) => {
    // Concatenated, not resolved: a request path like //host/x must stay a path.
    const url = new URL(`${origin}${req.url.startsWith('/') ? req.url : `/${req.url}`}`);
    const path = url.pathname;

    if (path === '/healthz') return sendText(res, 200, 'ok');
    if (path === '/' && ['GET', 'HEAD'].includes(req.method)) {
      return sendHtml(res, pages.indexPage({ issuer, api: urls.api, site: siteUrl ?? `${siteOrigin}/`, siteServed: Boolean(siteUrl) }));
    }
    // The host page: embeds the site in an iframe and answers its iframe messages (host-page.js).
    if (hostPage.matches(path)) return hostPage.handle(req, res, url);
    if (path === '/dev' || path.startsWith('/dev/')) return devTools(req, res, url);
    if (path === '/api' || path.startsWith('/api/')) return api(req, res, url);
    if (interactions.matches(path)) return interactions.handle(req, res, path);
    if (path === MOUNT || path.startsWith(`${MOUNT}/`)) {
      return toProvider(req, res, `${path.slice(MOUNT.length) || '/'}${url.search}`);
    }
    // RFC 8414 spells the metadata URL of an issuer with a path as /.well-known/...<path>.
    if (path === `/.well-known/oauth-authorization-server${MOUNT}`) {
      return toProvider(req, res, `/.well-known/oauth-authorization-server${url.search}`);
    }
    return sendJson(res, 404, { error: 'not_found', error_description: `nothing at ${path}` });
  }, log);

  let closing;
  async function close() {
    closing ??= (async () => {
      await Promise.all(servers.map(closeServer));
      store.close();
    })();
    return closing;
  }

  return { urls, config, stats, close };
}
