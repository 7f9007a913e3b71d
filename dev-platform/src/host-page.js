// The host page: the platform page that embeds the notebook site in an iframe, as the real platform
// does, and answers its iframe messages with host/jupyterlite-host.js (the helper a platform drops
// in). Routes, all on the platform origin:
//
//   GET /host                      the page; ?path=<notebook> (default sign-in.ipynb),
//                                  ?data=list (a bare list of materials instead of credentials),
//                                  ?silent=1 (never answer get-data or fetch: timeout tests)
//   GET /host/jupyterlite-host.js  the helper, from the repository's host/ folder
//   GET /host/host-page.js         this page's script (public/host-page.js)
import { readFile } from 'node:fs/promises';

import { escape } from './pages.js';
import { sendText } from './http-util.js';

// Exactly the real platform's iframe sandbox (notes/platform-contract.md).
export const SANDBOX = 'allow-scripts allow-same-origin allow-popups allow-forms allow-modals '
  + 'allow-top-navigation-by-user-activation allow-downloads';

export const DEFAULT_NOTEBOOK = 'sign-in.ipynb';

const SCRIPTS = {
  '/host/jupyterlite-host.js': new URL('../../host/jupyterlite-host.js', import.meta.url),
  '/host/host-page.js': new URL('../public/host-page.js', import.meta.url),
};

// What the "list" kind of host page hands over: materials, no credentials.
const MATERIALS = [
  { _id: 'dev-material-0001', name: 'Silicon FCC', formula: 'Si', lattice: { type: 'FCC', a: 5.431 } },
  { _id: 'dev-material-0002', name: 'Gallium arsenide', formula: 'GaAs', lattice: { type: 'FCC', a: 5.653 } },
];

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f8;color:#1d2330;display:flex;flex-direction:column;height:100vh}
  header{padding:.5rem 1rem;background:#1d2330;color:#fff;display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}
  header h1{font-size:1rem;margin:0}
  header a{color:#9cc2ff}
  main{flex:1;display:flex;min-height:0}
  iframe{flex:3;border:0;border-right:1px solid #aab3c0;background:#fff;min-width:0}
  aside{flex:1;min-width:18rem;max-width:32rem;padding:.5rem 1rem;overflow:auto}
  aside h2{font-size:.95rem;margin:.8rem 0 .3rem}
  pre{background:#fff;border:1px solid #d5dae2;padding:.4rem;font-size:.8rem;white-space:pre-wrap;word-break:break-all;min-height:2.5rem;margin:0}
  textarea{width:100%;height:8rem;font:.8rem ui-monospace,monospace}
  button{margin-top:.3rem}
  .muted{color:#5b6474;font-size:.85rem}
`;

// Parses the page's query; returns {options} or {error}.
export function hostPageOptions(searchParams) {
  const path = searchParams.get('path') ?? DEFAULT_NOTEBOOK;
  // A notebook path inside the site: printable, no NUL/controls, reasonably short.
  if (path === '' || path.length > 512 || /[\u0000-\u001f\u007f]/.test(path)) {
    return { error: 'path must be a notebook path inside the site, e.g. sign-in.ipynb' };
  }
  const kind = searchParams.get('data') ?? 'auth';
  if (!['auth', 'list'].includes(kind)) return { error: 'data must be "auth" (default) or "list"' };
  const silentValue = searchParams.get('silent');
  if (![null, '', '0', '1', 'true', 'false'].includes(silentValue)) return { error: 'silent must be 1 or 0' };
  const silent = silentValue === '1' || silentValue === 'true';
  return { options: { path, kind, silent } };
}

// The data the host hands the notebook: the platform's credentials payload, or a list of materials.
export function hostData(kind, { config, platformUrl }) {
  if (kind === 'list') return structuredClone(MATERIALS);
  const url = new URL(platformUrl);
  return {
    apiConfig: {
      accountId: config.devAccountId,
      authToken: config.devAuthToken,
      organizationId: 'dev-org',
      clusters: [{ displayName: 'dev-cluster', queues: ['D', 'OR'] }],
    },
    environ: {
      API_HOST: url.hostname,
      API_PORT: url.port || (url.protocol === 'https:' ? '443' : '80'),
      API_SECURE: url.protocol === 'https:' ? 'true' : 'false',
    },
  };
}

// JSON inside <script type="application/json">: "<" escaped, so no "</script>" can end it.
function jsonBlock(value) {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

export function hostPageHtml({ options, siteOrigin, data, legacyHeaders }) {
  const siteUrl = `${siteOrigin}/lab/index.html?path=${encodeURIComponent(options.path)}`;
  const config = { siteOrigin, siteUrl, kind: options.kind, silent: options.silent, data, legacyHeaders };
  const other = (query, label) => `<a href="/host?${escape(new URLSearchParams({ path: options.path, ...query }).toString())}">${escape(label)}</a>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="dev-platform-page" content="host">
<title>Host page - Dev Platform</title>
<style>${STYLE}</style>
<script type="application/json" id="host-config">${jsonBlock(config)}</script>
<script type="module" src="/host/host-page.js"></script>
</head>
<body data-kind="${escape(options.kind)}" data-silent="${options.silent ? '1' : '0'}">
<header>
  <h1>Dev Platform host page</h1>
  <span>notebook <code>${escape(options.path)}</code>, data: ${options.kind === 'list' ? 'a list of materials' : 'credentials'}${options.silent ? ', silent (answers nothing)' : ''}</span>
  <span class="muted">${other({}, 'credentials')} | ${other({ data: 'list' }, 'list')} | ${other({ silent: '1' }, 'silent')} | <a href="/">index</a></span>
</header>
<main>
  <!-- The script sets src once the bridge listens, so the site's first get-data is never missed. -->
  <iframe id="site" title="Notebook site" data-src="${escape(siteUrl)}"
    sandbox="${SANDBOX}"></iframe>
  <aside>
    <h2>Received from the notebook (set-data)</h2>
    <pre id="received"></pre>
    <h2>Events</h2>
    <pre id="events"></pre>
    <h2>Send data to the notebook</h2>
    <textarea id="outgoing" aria-label="Data to send" spellcheck="false"></textarea>
    <button type="button" id="send">Send to notebook</button>
  </aside>
</main>
</body>
</html>`;
}

export function createHostPage({ config, siteOrigin, platformUrl }) {
  const headers = {
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // Scripts only from here; frames only from the site; never framed itself.
    'Content-Security-Policy': `default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; `
      + `frame-src ${siteOrigin}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; `
      + `form-action 'none'; frame-ancestors 'none'`,
    'Referrer-Policy': 'strict-origin-when-cross-origin',
  };

  function matches(path) {
    return path === '/host' || path === '/host/' || Object.hasOwn(SCRIPTS, path);
  }

  async function handle(req, res, url) {
    if (!['GET', 'HEAD'].includes(req.method)) {
      sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const script = SCRIPTS[url.pathname];
    if (script && Object.hasOwn(SCRIPTS, url.pathname)) {
      const body = await readFile(script);
      res.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Content-Length': body.length,
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const { options, error } = hostPageOptions(url.searchParams);
    if (error) {
      sendText(res, 400, `${error}\n`);
      return;
    }
    const html = hostPageHtml({
      options,
      siteOrigin,
      data: options.silent ? null : hostData(options.kind, { config, platformUrl }),
      legacyHeaders: { 'X-Account-Id': config.devAccountId, 'X-Auth-Token': config.devAuthToken },
    });
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(html), ...headers });
    res.end(req.method === 'HEAD' ? undefined : html);
  }

  return { matches, handle };
}
