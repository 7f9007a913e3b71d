import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { SANDBOX } from '../src/host-page.js';
import { apiGet, platform } from './helpers.js';

const REAL_SANDBOX = 'allow-scripts allow-same-origin allow-popups allow-forms allow-modals '
  + 'allow-top-navigation-by-user-activation allow-downloads';

async function getHost(p, query = '') {
  const response = await fetch(new URL(`/host${query}`, p.urls.platform));
  return { status: response.status, headers: response.headers, body: await response.text() };
}

function hostConfig(html) {
  const match = /<script type="application\/json" id="host-config">([^<]*)<\/script>/.exec(html);
  assert.ok(match, 'config block');
  return JSON.parse(match[1]);
}

function iframeTag(html) {
  const match = /<iframe\b[^>]*>/.exec(html);
  assert.ok(match, 'iframe');
  return match[0];
}

function attribute(tag, name) {
  const match = new RegExp(`\\s${name}="([^"]*)"`).exec(tag);
  return match ? match[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#39;/g, "'") : undefined;
}

describe('host page (/host)', () => {
  let p;
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dev-platform-host-'));
    mkdirSync(join(dir, 'lab'));
    writeFileSync(join(dir, 'lab', 'index.html'), '<!doctype html><title>lab</title>');
    p = await platform({ SITE_DIR: dir });
  });
  after(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is served on the platform origin and embeds the site with the real sandbox flags', async () => {
    assert.equal(p.urls.host, new URL('/host', p.urls.platform).href);
    const { status, headers, body } = await getHost(p);
    assert.equal(status, 200);
    assert.match(headers.get('content-type'), /^text\/html/);
    assert.match(body, /<meta name="dev-platform-page" content="host">/);
    const iframe = iframeTag(body);
    assert.equal(SANDBOX, REAL_SANDBOX);
    assert.equal(attribute(iframe, 'sandbox'), REAL_SANDBOX);
    assert.equal(attribute(iframe, 'id'), 'site');
    assert.equal(attribute(iframe, 'data-src'), `${p.urls.siteOrigin}/lab/index.html?path=sign-in.ipynb`);
    assert.match(body, /<pre id="received"><\/pre>/);
    assert.match(body, /<script type="module" src="\/host\/host-page\.js"><\/script>/);
  });

  test('its CSP allows only its own scripts and frames from the site, and forbids framing it', async () => {
    const { headers } = await getHost(p);
    const csp = headers.get('content-security-policy');
    assert.match(csp, /default-src 'none'/);
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
    assert.equal(directives['script-src'], "'self'", 'no inline or foreign scripts');
    assert.match(csp, new RegExp(`frame-src ${p.urls.siteOrigin.replace(/[.]/g, '\\.')};`));
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(headers.get('x-content-type-options'), 'nosniff');
  });

  test('hands over the dev credentials the dev API accepts', async () => {
    const config = hostConfig((await getHost(p)).body);
    const platformUrl = new URL(p.urls.platform);
    assert.equal(config.siteOrigin, p.urls.siteOrigin);
    assert.equal(config.kind, 'auth');
    assert.equal(config.silent, false);
    assert.deepEqual(config.data, {
      apiConfig: {
        accountId: p.config.devAccountId,
        authToken: p.config.devAuthToken,
        organizationId: 'dev-org',
        clusters: [{ displayName: 'dev-cluster', queues: ['D', 'OR'] }],
      },
      environ: { API_HOST: '127.0.0.1', API_PORT: platformUrl.port, API_SECURE: 'false' },
    });
    assert.deepEqual(config.legacyHeaders, { 'X-Account-Id': p.config.devAccountId, 'X-Auth-Token': p.config.devAuthToken });
    const me = await apiGet(p, 'me', config.legacyHeaders);
    assert.equal(me.status, 200);
    assert.equal(me.body.auth, 'legacy');
  });

  test('?data=list hands over a bare list of materials', async () => {
    const { body } = await getHost(p, '?data=list');
    const config = hostConfig(body);
    assert.equal(config.kind, 'list');
    assert.ok(Array.isArray(config.data) && config.data.length > 0);
    assert.ok(config.data.every((item) => typeof item.name === 'string' && !('authToken' in item)));
    assert.match(body, /<body data-kind="list" data-silent="0">/);
    assert.equal(attribute(iframeTag(body), 'sandbox'), REAL_SANDBOX);
  });

  test('?silent=1 answers nothing (no data in the page)', async () => {
    const { body } = await getHost(p, '?silent=1');
    const config = hostConfig(body);
    assert.equal(config.silent, true);
    assert.equal(config.data, null);
    assert.match(body, /data-silent="1"/);
  });

  test('?path= chooses the notebook; it is encoded, never injected', async () => {
    const custom = await getHost(p, `?path=${encodeURIComponent('utils/my notebook.ipynb')}`);
    assert.equal(attribute(iframeTag(custom.body), 'data-src'), `${p.urls.siteOrigin}/lab/index.html?path=utils%2Fmy%20notebook.ipynb`);
    const evil = '"><script>alert(1)</script><!--';
    const { status, body } = await getHost(p, `?path=${encodeURIComponent(evil)}`);
    assert.equal(status, 200);
    assert.doesNotMatch(body, /<script>alert/);
    assert.equal(hostConfig(body).siteUrl, `${p.urls.siteOrigin}/lab/index.html?path=${encodeURIComponent(evil)}`);
  });

  test('bad queries get 400, other methods 405', async () => {
    for (const query of ['?data=secrets', '?silent=maybe', '?path=', `?path=${'a'.repeat(600)}`, '?path=%00']) {
      assert.equal((await getHost(p, query)).status, 400, query);
    }
    const post = await fetch(new URL('/host', p.urls.platform), { method: 'POST' });
    assert.equal(post.status, 405);
  });

  test('serves the helper and the page script as JavaScript', async () => {
    const helper = await fetch(new URL('/host/jupyterlite-host.js', p.urls.platform));
    assert.equal(helper.status, 200);
    assert.match(helper.headers.get('content-type'), /^text\/javascript/);
    assert.equal(await helper.text(), readFileSync(new URL('../../host/jupyterlite-host.js', import.meta.url), 'utf8'));
    const script = await fetch(new URL('/host/host-page.js', p.urls.platform));
    assert.equal(script.status, 200);
    assert.match(script.headers.get('content-type'), /^text\/javascript/);
    assert.match(await script.text(), /from '\.\/jupyterlite-host\.js'/);
    assert.equal((await fetch(new URL('/host/other.js', p.urls.platform))).status, 404);
  });

  test('the index page links the host page', async () => {
    const index = await (await fetch(p.urls.platform)).text();
    assert.match(index, /<a href="\/host">/);
    assert.match(index, /<a href="\/host\?data=list">/);
  });

  test('the site may be framed: no X-Frame-Options or frame-ancestors on its responses', async () => {
    const response = await fetch(new URL('lab/index.html', p.urls.site));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-frame-options'), null);
    assert.doesNotMatch(response.headers.get('content-security-policy') ?? '', /frame-ancestors/);
    await response.text();
  });
});
