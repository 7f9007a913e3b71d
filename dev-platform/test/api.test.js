import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { approve } from '../tools/approve.js';
import { apiGet, bearer, deviceAuthorization, platform, pollToken } from './helpers.js';

describe('API', () => {
  let p;
  let token;
  before(async () => {
    p = await platform({ POLL_INTERVAL: 0, DEV_ACCOUNT_ID: 'acct-42', DEV_AUTH_TOKEN: 'legacy-secret' });
    const auth = await deviceAuthorization(p);
    await approve({ userCode: auth.user_code, platform: p.urls.platform });
    token = (await pollToken(p, auth.device_code)).body.access_token;
  });
  after(() => p.close());

  test('no credentials -> 401 with a JSON error and WWW-Authenticate: Bearer', async () => {
    const { status, headers, body } = await apiGet(p, 'me');
    assert.equal(status, 401);
    assert.match(headers.get('www-authenticate'), /^Bearer realm="dev-platform"$/);
    assert.equal(body.error, 'unauthorized');
    assert.ok(body.error_description);
  });

  test('a bad bearer token -> 401 error="invalid_token"', async () => {
    const { status, headers, body } = await apiGet(p, 'me', bearer('made-up-token'));
    assert.equal(status, 401);
    assert.match(headers.get('www-authenticate'), /error="invalid_token"/);
    assert.equal(body.error, 'invalid_token');
    // An ID token or other JWT is not an access token either.
    assert.equal((await apiGet(p, 'me', bearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'))).status, 401);
  });

  test('GET /api/me with a valid token names the account, scope and remaining lifetime', async () => {
    const { status, body } = await apiGet(p, 'me', bearer(token));
    assert.equal(status, 200);
    assert.equal(body.id, 'acct-42');
    assert.equal(body.auth, 'bearer');
    assert.equal(body.scope, 'openid profile email offline_access');
    assert.equal(typeof body.expires_in, 'number');
  });

  test('GET /api/projects lists projects; isDefault filters like the API client does', async () => {
    const all = await apiGet(p, 'projects', bearer(token));
    assert.equal(all.status, 200);
    assert.ok(all.body.length >= 2 && all.body.length <= 3);
    for (const project of all.body) {
      assert.equal(typeof project._id, 'string');
      assert.equal(typeof project.name, 'string');
      assert.equal(typeof project.isDefault, 'boolean');
    }
    const defaults = await apiGet(p, 'projects?isDefault=true', bearer(token));
    assert.equal(defaults.body.length, 1);
    assert.equal(defaults.body[0].isDefault, true);
    const others = await apiGet(p, 'projects?isDefault=false', bearer(token));
    assert.equal(others.body.length, all.body.length - 1);
    const query = await apiGet(p, `projects?query=${encodeURIComponent('{"isDefault": true}')}`, bearer(token));
    assert.deepEqual(query.body, defaults.body);
    assert.equal((await apiGet(p, 'projects?isDefault=maybe', bearer(token))).status, 400);
  });

  test('versioned paths answer in the platform API client\'s JSend envelope', async () => {
    const projects = await apiGet(p, `2018-10-01/projects?query=${encodeURIComponent('{"isDefault":true}')}&projection=%7B%7D`, bearer(token));
    assert.equal(projects.status, 200);
    assert.equal(projects.body.status, 'success');
    assert.equal(projects.body.data.length, 1);
    const me = await apiGet(p, 'v1/users/me', bearer(token));
    assert.equal(me.body.data.user.entity.defaultAccountId, 'acct-42');
    const denied = await apiGet(p, '2018-10-01/projects');
    assert.equal(denied.status, 401);
    assert.equal(denied.body.status, 'error');
    assert.ok(denied.body.data.message);
  });

  test('legacy X-Account-Id + X-Auth-Token headers', async () => {
    const ok = await apiGet(p, 'me', { 'X-Account-Id': 'acct-42', 'X-Auth-Token': 'legacy-secret' });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.auth, 'legacy');
    assert.equal(ok.body.id, 'acct-42');
    const bad = await apiGet(p, 'me', { 'X-Account-Id': 'acct-42', 'X-Auth-Token': 'wrong' });
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'invalid_token');
  });

  test('unknown API paths -> 404 JSON; other methods -> 405', async () => {
    const missing = await apiGet(p, 'nothing-here', bearer(token));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'not_found');
    const post = await fetch(new URL('projects', p.urls.api), { method: 'POST', headers: bearer(token) });
    assert.equal(post.status, 405);
  });

  test('/dev/stats/reset zeroes the counters', async () => {
    const reset = await fetch(new URL('/dev/stats/reset', p.urls.platform), { method: 'POST' });
    assert.equal(reset.status, 200);
    const stats = await (await fetch(p.urls.stats)).json();
    assert.equal(stats.deviceAuthorizations, 0);
    assert.deepEqual(stats.deviceCodes, {});
  });
});
