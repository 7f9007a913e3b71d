import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { platform } from './helpers.js';

describe('discovery and metadata', () => {
  let p;
  before(async () => { p = await platform(); });
  after(() => p.close());

  test('issuer is exactly http://127.0.0.1:<port>/oidc and endpoints live under it', async () => {
    const port = new URL(p.urls.platform).port;
    const response = await fetch(p.urls.discovery);
    assert.equal(response.status, 200);
    const meta = await response.json();
    assert.equal(meta.issuer, `http://127.0.0.1:${port}/oidc`);
    assert.equal(meta.device_authorization_endpoint, `${meta.issuer}/device/auth`);
    assert.equal(meta.token_endpoint, `${meta.issuer}/token`);
    assert.equal(meta.userinfo_endpoint, `${meta.issuer}/me`);
    assert.equal(meta.revocation_endpoint, `${meta.issuer}/token/revocation`);
    assert.equal(meta.jwks_uri, `${meta.issuer}/jwks`);
    for (const scope of ['openid', 'profile', 'email', 'offline_access']) {
      assert.ok(meta.scopes_supported.includes(scope), `scopes_supported lists ${scope}`);
    }
    assert.ok(meta.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:device_code'));
    assert.ok(meta.grant_types_supported.includes('refresh_token'));
    assert.ok(meta.token_endpoint_auth_methods_supported.includes('none'));
    assert.ok(meta.id_token_signing_alg_values_supported.includes('RS256'));
  });

  test('RFC 8414 metadata at /.well-known/oauth-authorization-server/oidc names the same endpoints', async () => {
    const meta = await (await fetch(new URL('/.well-known/oauth-authorization-server/oidc', p.urls.platform))).json();
    assert.equal(meta.issuer, p.urls.issuer);
    assert.equal(meta.token_endpoint, `${p.urls.issuer}/token`);
  });

  test('JWKS publishes one RSA signing key without private parts', async () => {
    const { keys } = await (await fetch(`${p.urls.issuer}/jwks`)).json();
    assert.equal(keys.length, 1);
    assert.equal(keys[0].kty, 'RSA');
    assert.equal(keys[0].d, undefined);
  });

  test('healthz, index page and unknown paths', async () => {
    const health = await fetch(new URL('/healthz', p.urls.platform));
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    const index = await fetch(p.urls.platform);
    assert.equal(index.status, 200);
    const html = await index.text();
    assert.match(html, /dev-platform-page" content="index"/);
    assert.ok(html.includes(p.urls.siteOrigin));
    const missing = await fetch(new URL('/nope', p.urls.platform));
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error, 'not_found');
  });
});
