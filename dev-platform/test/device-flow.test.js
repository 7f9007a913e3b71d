import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { createPollGate } from '../src/device-polling.js';
import { CookieJar } from '../tools/cookie-jar.js';
import { findForm, formData, pageName } from '../tools/html-forms.js';
import { approve, ApproveError, EXIT } from '../tools/approve.js';
import {
  ALL_SCOPES, apiGet, bearer, CLIENT_ID, decodeJwt, deviceAuthorization, platform, pollToken, sleep,
} from './helpers.js';

describe('device flow', () => {
  let p;
  // POLL_INTERVAL=0: these tests poll back to back without tripping slow_down.
  before(async () => { p = await platform({ POLL_INTERVAL: 0 }); });
  after(() => p.close());

  test('pending -> approved in the browser -> access, refresh and ID token -> /api/me', async () => {
    const auth = await deviceAuthorization(p);
    assert.match(auth.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.equal(auth.verification_uri, p.urls.verification);
    assert.equal(auth.verification_uri_complete, `${p.urls.verification}?user_code=${auth.user_code}`);
    assert.equal(auth.expires_in, 600);
    assert.equal(auth.interval, 0);

    const pending = await pollToken(p, auth.device_code);
    assert.equal(pending.status, 400);
    assert.equal(pending.body.error, 'authorization_pending');

    const { outcome, trail } = await approve({ userCode: auth.user_code, platform: p.urls.platform });
    assert.equal(outcome, 'approved');
    assert.deepEqual(trail, ['code-input', 'confirm', 'login', 'success']);

    const issued = await pollToken(p, auth.device_code);
    assert.equal(issued.status, 200);
    const tokens = issued.body;
    assert.equal(tokens.token_type, 'Bearer');
    assert.equal(tokens.expires_in, 1800);
    assert.equal(tokens.scope, ALL_SCOPES);
    assert.ok(tokens.access_token && tokens.refresh_token && tokens.id_token);

    // ID token: RS256, signed by the published key, iss/aud/sub right.
    const { header, payload } = decodeJwt(tokens.id_token);
    assert.equal(header.alg, 'RS256');
    assert.equal(payload.iss, p.urls.issuer);
    assert.equal(payload.aud, CLIENT_ID);
    assert.equal(payload.sub, 'dev-account-0001');
    assert.equal(payload.exp - payload.iat, 3600);
    const { keys } = await (await fetch(`${p.urls.issuer}/jwks`)).json();
    const key = createPublicKey({ key: keys.find((k) => k.kid === header.kid), format: 'jwk' });
    const [h, b, s] = tokens.id_token.split('.');
    assert.ok(verify('RSA-SHA256', Buffer.from(`${h}.${b}`), key, Buffer.from(s, 'base64url')));

    const me = await apiGet(p, 'me', bearer(tokens.access_token));
    assert.equal(me.status, 200);
    assert.equal(me.body.id, 'dev-account-0001');
    assert.equal(me.body.email, 'dev@example.test');
    assert.equal(me.body.name, 'Dev User');
    assert.equal(me.body.scope, ALL_SCOPES);
    assert.ok(me.body.expires_in > 1790 && me.body.expires_in <= 1800);

    const userinfo = await (await fetch(`${p.urls.issuer}/me`, { headers: bearer(tokens.access_token) })).json();
    assert.deepEqual(userinfo, { sub: 'dev-account-0001', name: 'Dev User', email: 'dev@example.test', email_verified: true });

    // The library revokes the grant when a used device code is polled again.
    const again = await pollToken(p, auth.device_code);
    assert.equal(again.body.error, 'invalid_grant');
    assert.equal((await apiGet(p, 'me', bearer(tokens.access_token))).status, 401);
  });

  test('without offline_access there is no refresh token', async () => {
    const auth = await deviceAuthorization(p, 'openid profile');
    await approve({ userCode: auth.user_code, platform: p.urls.platform });
    const { body } = await pollToken(p, auth.device_code);
    assert.ok(body.access_token);
    assert.equal(body.refresh_token, undefined);
    assert.equal(body.scope, 'openid profile');
  });

  test('verification_uri_complete (self-submitting form) works and the code is case-insensitive', async () => {
    const auth = await deviceAuthorization(p);
    const { outcome, trail } = await approve({ verificationUriComplete: auth.verification_uri_complete });
    assert.equal(outcome, 'approved');
    assert.equal(trail[0], 'auto-submit');
    assert.equal((await pollToken(p, auth.device_code)).status, 200);

    const second = await deviceAuthorization(p);
    const typed = second.user_code.toLowerCase().replace('-', '');
    assert.equal((await approve({ userCode: typed, platform: p.urls.platform })).outcome, 'approved');
    assert.equal((await pollToken(p, second.device_code)).status, 200);
  });

  test('CANCEL on the confirm page -> access_denied', async () => {
    const auth = await deviceAuthorization(p);
    const { outcome, trail } = await approve({ userCode: auth.user_code, platform: p.urls.platform, deny: true });
    assert.equal(outcome, 'denied');
    assert.deepEqual(trail, ['code-input', 'confirm', 'cancelled']);
    const { status, body } = await pollToken(p, auth.device_code);
    assert.equal(status, 400);
    assert.equal(body.error, 'access_denied');
  });

  test('CANCEL on the sign-in page -> cancelled page and access_denied', async () => {
    const auth = await deviceAuthorization(p);
    const jar = new CookieJar();
    // Walk the pages by hand, as a browser would, up to the sign-in page.
    const go = async (url, init = {}) => {
      const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...init.headers, Cookie: jar.header(url) } });
      jar.store(url, response.headers.getSetCookie());
      if (response.status === 303) return go(new URL(response.headers.get('location'), url).href);
      return { url, html: await response.text() };
    };
    const post = (page, label, values = {}) => {
      const f = findForm(page.html, label);
      return go(new URL(f.action, page.url).href, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: formData(f, values, label).toString(),
      });
    };
    const input = await go(p.urls.verification);
    const confirm = await post(input, 'Continue', { user_code: auth.user_code });
    assert.equal(pageName(confirm.html), 'confirm');
    assert.ok(confirm.html.includes(auth.user_code));
    assert.ok(confirm.html.includes('Dev Platform CLI Device Flow'));
    assert.ok(confirm.html.includes('offline_access'));
    const login = await post(confirm, 'CONFIRM');
    assert.equal(pageName(login.html), 'login');
    assert.ok(login.html.includes('dev@example.test') && login.html.includes('dev-password'));
    const cancelled = await post(login, 'CANCEL');
    assert.equal(pageName(cancelled.html), 'cancelled');
    assert.equal((await pollToken(p, auth.device_code)).body.error, 'access_denied');
  });

  test('the browser session persists: a second sign-in in the same browser skips the login page', async () => {
    const jar = new CookieJar();
    const first = await deviceAuthorization(p);
    assert.deepEqual((await approve({ userCode: first.user_code, platform: p.urls.platform, jar })).trail, ['code-input', 'confirm', 'login', 'success']);
    const second = await deviceAuthorization(p);
    assert.deepEqual((await approve({ userCode: second.user_code, platform: p.urls.platform, jar })).trail, ['code-input', 'confirm', 'success']);
    assert.equal((await pollToken(p, second.device_code)).status, 200);
  });

  test('a wrong password is rejected on the page; unknown and used codes are refused', async () => {
    const auth = await deviceAuthorization(p);
    await assert.rejects(
      approve({ userCode: auth.user_code, platform: p.urls.platform, password: 'nope' }),
      (err) => err instanceof ApproveError && err.exitCode === EXIT.LOGIN_REJECTED && /Wrong email or password/.test(err.message),
    );
    assert.equal((await pollToken(p, auth.device_code)).body.error, 'authorization_pending');

    await assert.rejects(
      approve({ userCode: 'BCDF-GHJK', platform: p.urls.platform }),
      (err) => err.exitCode === EXIT.CODE_REJECTED && /not valid/.test(err.message),
    );

    const used = await deviceAuthorization(p);
    await approve({ userCode: used.user_code, platform: p.urls.platform });
    await assert.rejects(
      approve({ userCode: used.user_code, platform: p.urls.platform }),
      (err) => err.exitCode === EXIT.CODE_REJECTED && /already used/.test(err.message),
    );
  });

  test('stats count device authorizations and polls per device code (never the code itself)', async () => {
    await fetch(new URL('/dev/stats/reset', p.urls.platform), { method: 'POST' });
    const auth = await deviceAuthorization(p);
    await pollToken(p, auth.device_code);
    await pollToken(p, auth.device_code);
    const stats = await (await fetch(p.urls.stats)).json();
    assert.equal(stats.deviceAuthorizations, 1);
    assert.equal(stats.tokenPolls, 2);
    const entries = Object.entries(stats.deviceCodes);
    assert.equal(entries.length, 1);
    const [key, entry] = entries[0];
    assert.match(key, /^[0-9a-f]{16}$/);
    assert.equal(entry.polls, 2);
    assert.deepEqual(entry.replies, { authorization_pending: 2 });
    assert.ok(!JSON.stringify(stats).includes(auth.device_code));
  });
});

describe('RFC 8628 polling rules added on top of the library', () => {
  test('interval is sent; a poll sooner than it -> slow_down and the interval grows by 5 s', async () => {
    const p = await platform({ POLL_INTERVAL: 2 });
    try {
      const auth = await deviceAuthorization(p);
      assert.equal(auth.interval, 2);
      assert.equal((await pollToken(p, auth.device_code)).body.error, 'authorization_pending');
      const fast = await pollToken(p, auth.device_code);
      assert.equal(fast.status, 400);
      assert.equal(fast.body.error, 'slow_down');
      const stats = await (await fetch(p.urls.stats)).json();
      assert.equal(stats.slowDowns, 1);
      const entry = Object.values(stats.deviceCodes).find((e) => e.replies.slow_down);
      assert.equal(entry.interval, 7);
    } finally {
      await p.close();
    }
  });

  test('SLOW_DOWN_POLLS=2: the first two polls are slowed down even when on time', async () => {
    const p = await platform({ POLL_INTERVAL: 0, SLOW_DOWN_POLLS: 2 });
    try {
      const auth = await deviceAuthorization(p);
      const errors = [];
      for (let i = 0; i < 2; i++) errors.push((await pollToken(p, auth.device_code)).body.error);
      assert.deepEqual(errors, ['slow_down', 'slow_down']);
      const entry = Object.values((await (await fetch(p.urls.stats)).json()).deviceCodes)[0];
      assert.equal(entry.interval, 10);
    } finally {
      await p.close();
    }
  });

  test('the poll gate slows the first n polls down, then only polls that come too soon', () => {
    let t = 0;
    const gate = createPollGate({ pollInterval: 1, slowDownPolls: 2, keepSeconds: 60, now: () => t });
    gate.register('code', 600);
    const answers = [];
    for (const at of [0, 10_000, 30_000, 45_000, 46_000]) {
      t = at;
      answers.push(gate.poll('code'));
    }
    // 1st and 2nd: slowed (interval 6, then 11); 3rd: 20 s later, on time; 4th: 15 s, on time; 5th: 1 s, too soon
    assert.deepEqual(answers, [6, 11, undefined, undefined, 16]);
  });

  test('an expired device code -> expired_token (not invalid_grant)', async () => {
    // Expiry is whole seconds (exp = iat + 1 may pass within a millisecond): poll only well after.
    const p = await platform({ POLL_INTERVAL: 0, DEVICE_CODE_TTL: 1 });
    try {
      const auth = await deviceAuthorization(p);
      assert.equal(auth.expires_in, 1);
      await sleep(2100);
      const { status, body } = await pollToken(p, auth.device_code);
      assert.equal(status, 400);
      assert.equal(body.error, 'expired_token');
      // The verification page says so too.
      await assert.rejects(
        approve({ userCode: auth.user_code, platform: p.urls.platform }),
        (err) => err.exitCode === EXIT.CODE_REJECTED && /expired/.test(err.message),
      );
    } finally {
      await p.close();
    }
  });
});

describe('defaults', () => {
  test('interval defaults to 5 s', async () => {
    const p = await platform();
    try {
      const auth = await deviceAuthorization(p);
      assert.equal(auth.interval, 5);
      assert.equal(auth.expires_in, 600);
    } finally {
      await p.close();
    }
  });
});

describe('two sign-in tabs in one browser', () => {
  let p;
  before(async () => { p = await platform({ POLL_INTERVAL: 0 }); });
  after(() => p.close());

  // One browser (one cookie jar), two tabs: a page whose form token went stale says so plainly,
  // and its fresh form, with the code filled in, still works.
  test('the older tab says it is out of date and its new form goes on', async () => {
    const jar = new CookieJar();
    const get = async (url, init = {}) => {
      const headers = { Accept: 'text/html', ...(init.headers ?? {}) };
      const cookie = jar.header(url);
      if (cookie) headers.Cookie = cookie;
      const response = await fetch(url, { ...init, headers, redirect: 'manual' });
      jar.store(url, response.headers.getSetCookie());
      if (response.status >= 300 && response.status < 400) {
        return get(new URL(response.headers.get('location'), url).href);
      }
      return { url, html: await response.text() };
    };
    const post = (page, form, values, label) => get(new URL(form.action || page.url, page.url).href, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: formData(form, values, label).toString(),
    });
    const open = async (auth) => {
      const first = await get(auth.verification_uri_complete);
      return post(first, findForm(first.html), {});  // the page that submits itself
    };
    const older = await open(await deviceAuthorization(p));
    const current = await deviceAuthorization(p);  // the cell was run again
    const newer = await open(current);
    assert.equal(pageName(older.html), 'confirm');
    assert.equal(pageName(newer.html), 'confirm');

    const stale = await post(older, findForm(older.html, 'CONFIRM'), {}, 'CONFIRM');
    assert.equal(pageName(stale.html), 'code-input');
    assert.match(stale.html, /This sign-in page is out of date: another one was opened in this browser since\./);
    assert.doesNotMatch(stale.html, /xsrf token invalid/);
    // typing the notebook's code into the fresh form gets to the confirmation again
    const again = await post(stale, findForm(stale.html, 'Continue'), { user_code: current.user_code }, 'Continue');
    assert.equal(pageName(again.html), 'confirm');
    assert.match(again.html, new RegExp(current.user_code));
  });
});
