import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { approve } from '../tools/approve.js';
import {
  apiGet, bearer, deviceAuthorization, platform, pollToken, refresh, revoke, sleep,
} from './helpers.js';

async function signIn(p, scope) {
  const auth = await deviceAuthorization(p, scope);
  await approve({ userCode: auth.user_code, platform: p.urls.platform });
  const { status, body } = await pollToken(p, auth.device_code);
  assert.equal(status, 200);
  return body;
}

describe('refresh and revocation', () => {
  let p;
  before(async () => { p = await platform({ POLL_INTERVAL: 0 }); });
  after(() => p.close());

  test('refresh rotates the refresh token; replaying the old one is rejected and ends the grant', async () => {
    const first = await signIn(p);
    const rotated = await refresh(p, first.refresh_token);
    assert.equal(rotated.status, 200);
    assert.ok(rotated.body.access_token && rotated.body.refresh_token && rotated.body.id_token);
    assert.notEqual(rotated.body.refresh_token, first.refresh_token);
    assert.notEqual(rotated.body.access_token, first.access_token);
    assert.equal((await apiGet(p, 'me', bearer(rotated.body.access_token))).status, 200);

    const replay = await refresh(p, first.refresh_token);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    // Replay detection revokes the whole grant, the newest tokens included.
    assert.equal((await apiGet(p, 'me', bearer(rotated.body.access_token))).status, 401);
    assert.equal((await refresh(p, rotated.body.refresh_token)).body.error, 'invalid_grant');

    const stats = await (await fetch(p.urls.stats)).json();
    assert.ok(stats.refreshes >= 1);
    assert.ok(stats.refreshFailures >= 2);
  });

  // The library revokes every token of the grant when either token is revoked: one revocation
  // call is a complete sign-out.
  test('revoking the access token ends API access and the refresh token too', async () => {
    const tokens = await signIn(p);
    const { status } = await revoke(p, tokens.access_token, 'access_token');
    assert.equal(status, 200);
    const me = await apiGet(p, 'me', bearer(tokens.access_token));
    assert.equal(me.status, 401);
    assert.equal(me.body.error, 'invalid_token');
    assert.equal((await refresh(p, tokens.refresh_token)).body.error, 'invalid_grant');
  });

  test('revoking the refresh token ends the grant: refresh fails and its access token is rejected', async () => {
    const tokens = await signIn(p);
    assert.equal((await revoke(p, tokens.refresh_token, 'refresh_token')).status, 200);
    assert.equal((await refresh(p, tokens.refresh_token)).body.error, 'invalid_grant');
    assert.equal((await apiGet(p, 'me', bearer(tokens.access_token))).status, 401);
    // RFC 7009: an unknown or already revoked token still gets 200.
    assert.equal((await revoke(p, tokens.refresh_token)).status, 200);
    assert.equal((await revoke(p, 'not-a-token')).status, 200);
    const stats = await (await fetch(p.urls.stats)).json();
    assert.ok(stats.revocations >= 3);
  });
});

describe('token lifetimes', () => {
  let p;
  before(async () => { p = await platform({ POLL_INTERVAL: 0, ACCESS_TOKEN_TTL: 2, ID_TOKEN_TTL: 60, REFRESH_TOKEN_TTL: 120 }); });
  after(() => p.close());

  test('ACCESS_TOKEN_TTL=2: the API accepts the token, then answers 401 invalid_token after expiry', async () => {
    const tokens = await signIn(p);
    assert.equal(tokens.expires_in, 2);
    const fresh = await apiGet(p, 'me', bearer(tokens.access_token));
    assert.equal(fresh.status, 200);
    assert.ok(fresh.body.expires_in <= 2);
    await sleep(3100);
    const expired = await apiGet(p, 'me', bearer(tokens.access_token));
    assert.equal(expired.status, 401);
    assert.equal(expired.body.error, 'invalid_token');
    assert.match(expired.headers.get('www-authenticate'), /^Bearer .*error="invalid_token"/);
    // A refresh brings a working token back.
    const renewed = await refresh(p, tokens.refresh_token);
    assert.equal(renewed.status, 200);
    assert.equal(renewed.body.expires_in, 2);
    assert.equal((await apiGet(p, 'me', bearer(renewed.body.access_token))).status, 200);
  });
});
