import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { approve } from '../tools/approve.js';
import {
  bearer, CLIENT_ID, deviceAuthorization, form, platform, pollToken,
} from './helpers.js';

const SITE = 'http://127.0.0.1:18701';
const OTHER = 'http://127.0.0.1:9999';

describe('CORS', () => {
  let p;
  before(async () => { p = await platform({ POLL_INTERVAL: 0, SITE_ORIGIN: SITE }); });
  after(() => p.close());

  test('the site origin may call device authorization, token and userinfo', async () => {
    const auth = await form(p.urls.deviceAuthorization, { client_id: CLIENT_ID, scope: 'openid' }, { Origin: SITE });
    assert.equal(auth.status, 200);
    assert.equal(auth.headers.get('access-control-allow-origin'), SITE);
    assert.equal(auth.headers.get('access-control-allow-credentials'), null);

    const pending = await pollToken(p, auth.body.device_code, { Origin: SITE });
    assert.equal(pending.body.error, 'authorization_pending');
    assert.equal(pending.headers.get('access-control-allow-origin'), SITE);

    await approve({ userCode: auth.body.user_code, platform: p.urls.platform });
    const tokens = await pollToken(p, auth.body.device_code, { Origin: SITE });
    assert.equal(tokens.status, 200);
    assert.equal(tokens.headers.get('access-control-allow-origin'), SITE);

    const userinfo = await fetch(`${p.urls.issuer}/me`, { headers: { ...bearer(tokens.body.access_token), Origin: SITE } });
    assert.equal(userinfo.status, 200);
    assert.equal(userinfo.headers.get('access-control-allow-origin'), SITE);
  });

  test('another origin gets no allow-origin header from the token or device endpoints', async () => {
    const auth = await deviceAuthorization(p);
    const token = await pollToken(p, auth.device_code, { Origin: OTHER });
    assert.equal(token.status, 400);
    assert.equal(token.headers.get('access-control-allow-origin'), null);
    const device = await form(p.urls.deviceAuthorization, { client_id: CLIENT_ID }, { Origin: OTHER });
    assert.equal(device.headers.get('access-control-allow-origin'), null);
    // Nor does its preflight succeed.
    const preflight = await fetch(p.urls.token, {
      method: 'OPTIONS',
      headers: { Origin: OTHER, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  });

  test('preflight from the site origin to the token endpoint is allowed', async () => {
    const preflight = await fetch(p.urls.token, {
      method: 'OPTIONS',
      headers: { Origin: SITE, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), SITE);
    assert.match(preflight.headers.get('access-control-allow-methods'), /POST/);
  });

  test('discovery and JWKS can be fetched from the site origin', async () => {
    for (const url of [p.urls.discovery, `${p.urls.issuer}/jwks`]) {
      const response = await fetch(url, { headers: { Origin: SITE } });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), SITE);
    }
  });

  test('/api/: CORS for the site origin only; preflight allows Authorization and Content-Type', async () => {
    const preflight = await fetch(new URL('me', p.urls.api), {
      method: 'OPTIONS',
      headers: { Origin: SITE, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), SITE);
    const allowed = preflight.headers.get('access-control-allow-headers').toLowerCase();
    assert.ok(allowed.includes('authorization') && allowed.includes('content-type'));

    const denied = await fetch(new URL('me', p.urls.api), { headers: { Origin: SITE } });
    assert.equal(denied.status, 401);
    assert.equal(denied.headers.get('access-control-allow-origin'), SITE);
    assert.match(denied.headers.get('access-control-expose-headers'), /WWW-Authenticate/);

    const otherPreflight = await fetch(new URL('me', p.urls.api), {
      method: 'OPTIONS',
      headers: { Origin: OTHER, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    assert.equal(otherPreflight.headers.get('access-control-allow-origin'), null);
    const other = await fetch(new URL('me', p.urls.api), { headers: { Origin: OTHER } });
    assert.equal(other.headers.get('access-control-allow-origin'), null);
  });
});
