// Unit tests for host/jupyterlite-host.js with a fake window and iframe (node --test).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  allowPaths,
  MAX_PAYLOAD_DEPTH,
  createHostBridge,
  FROM_HOST,
  isExactOrigin,
  jsonBytes,
  MAX_PAYLOAD_BYTES,
  TO_HOST,
} from '../jupyterlite-host.js';

const SITE = 'https://notebooks.example.org';
const PLATFORM = 'https://platform.example.org';
const tick = () => new Promise((resolve) => { setTimeout(resolve, 0); });

class FakeWindow {
  listeners = new Set();
  addEventListener(type, listener) {
    if (type === 'message') this.listeners.add(listener);
  }
  removeEventListener(type, listener) {
    if (type === 'message') this.listeners.delete(listener);
  }
  dispatch(event) {
    for (const listener of this.listeners) listener(event);
  }
}

/** The iframe's window: records what the host posts to it. */
class FakeSiteWindow {
  posted = [];
  postMessage(message, targetOrigin) {
    this.posted.push({ message: structuredClone(message), targetOrigin });
  }
}

function setup(options = {}) {
  const win = new FakeWindow();
  const site = new FakeSiteWindow();
  const iframe = { contentWindow: site };
  const logs = [];
  const bridge = createHostBridge({ iframe, siteOrigin: SITE, window: win, log: (line) => logs.push(line), ...options });
  const fromSite = (action, payload, { origin = SITE, source = site, type = TO_HOST } = {}) => {
    const data = { type, action };
    if (payload !== undefined) data.payload = payload;
    win.dispatch({ source, origin, data });
  };
  return { win, site, iframe, bridge, logs, fromSite };
}

function fakeResponse(status, body, headers = {}) {
  return new Response(body, { status, statusText: status === 200 ? 'OK' : 'Nope', headers });
}

describe('createHostBridge options', () => {
  it('requires an exact site origin and an iframe', () => {
    const win = new FakeWindow();
    const iframe = { contentWindow: new FakeSiteWindow() };
    for (const siteOrigin of [undefined, '*', 'https://notebooks.example.org/', 'notebooks.example.org', 'HTTPS://X.org', 'null']) {
      assert.throws(() => createHostBridge({ iframe, siteOrigin, window: win }), /siteOrigin must be an exact origin/);
    }
    assert.throws(() => createHostBridge({ siteOrigin: SITE, window: win }), /iframe is required/);
    assert.equal(win.listeners.size, 0);
  });
});

describe('get-data', () => {
  it('answers with set-data, posted only to the site origin', async () => {
    const data = { apiConfig: { accountId: 'a', authToken: 't' }, environ: { API_HOST: 'h' } };
    const { site, fromSite, bridge } = setup({ getData: async () => data });
    fromSite('get-data', {});
    await tick();
    assert.deepEqual(site.posted, [{ message: { type: FROM_HOST, action: 'set-data', payload: data }, targetOrigin: SITE }]);
    assert.equal(bridge.stats().answered, 1);
  });

  it('answers any JSON value, e.g. a bare list', async () => {
    const { site, fromSite } = setup({ getData: () => [{ name: 'Si' }] });
    fromSite('get-data', {});
    await tick();
    assert.deepEqual(site.posted[0].message.payload, [{ name: 'Si' }]);
  });

  it('never answers without getData, when getData throws, or returns undefined', async () => {
    for (const getData of [undefined, () => { throw new Error('no session'); }, async () => undefined]) {
      const { site, fromSite } = setup({ getData });
      fromSite('get-data', {});
      await tick();
      assert.deepEqual(site.posted, []);
    }
  });

  it('does not send data over the size limit', async () => {
    const { site, fromSite, logs } = setup({ getData: () => 'x'.repeat(MAX_PAYLOAD_BYTES) });
    fromSite('get-data', {});
    await tick();
    assert.deepEqual(site.posted, []);
    assert.ok(logs.some((line) => /at most/.test(line)));
  });
});

describe('origin and source checks', () => {
  it('ignores messages from another origin, another window, or of the wrong shape', async () => {
    let asked = 0;
    const { site, win, fromSite, bridge } = setup({ getData: () => { asked++; return {}; } });
    fromSite('get-data', {}, { origin: 'https://evil.example' });
    fromSite('get-data', {}, { source: {} });
    fromSite('get-data', {}, { source: null });
    fromSite('get-data', {}, { type: FROM_HOST });
    win.dispatch({ source: site, origin: SITE, data: null });
    win.dispatch({ source: site, origin: SITE, data: 'get-data' });
    fromSite('unknown-action', {});
    fromSite(undefined, {});
    await tick();
    assert.equal(asked, 0);
    assert.deepEqual(site.posted, []);
    assert.equal(bridge.stats().dropped, 8);
  });

  it('follows the iframe to its current window, and ignores a detached one', async () => {
    const { iframe, fromSite, site } = setup({ getData: () => ({ v: 1 }) });
    const reloaded = new FakeSiteWindow();
    iframe.contentWindow = reloaded;
    fromSite('get-data', {}, { source: site });
    fromSite('get-data', {}, { source: reloaded });
    await tick();
    assert.equal(site.posted.length, 0);
    assert.equal(reloaded.posted.length, 1);
    iframe.contentWindow = null;
    fromSite('get-data', {}, { source: null });
    await tick();
    assert.equal(reloaded.posted.length, 1);
  });
});

describe('set-data from the site', () => {
  it('passes every payload to onSetData', () => {
    const got = [];
    const { fromSite, bridge } = setup({ onSetData: (payload) => got.push(payload) });
    fromSite('set-data', { result: 1 });
    fromSite('set-data', 'text');
    fromSite('set-data', null);
    fromSite('set-data');
    assert.deepEqual(got, [{ result: 1 }, 'text', null]);
    assert.equal(bridge.stats().received, 3);
    assert.equal(bridge.stats().dropped, 1);
  });

  it('survives a throwing onSetData', () => {
    const { fromSite, logs } = setup({ onSetData: () => { throw new Error('ui bug'); } });
    assert.doesNotThrow(() => fromSite('set-data', {}));
    assert.ok(logs.some((line) => /onSetData failed/.test(line)));
  });
});

describe('sendData', () => {
  it('posts set-data to the site origin; refuses what is not JSON or too large', () => {
    const { site, bridge } = setup();
    assert.equal(bridge.sendData({ a: 1 }), true);
    assert.equal(bridge.sendData(() => 1), false);
    assert.equal(bridge.sendData('x'.repeat(MAX_PAYLOAD_BYTES)), false);
    assert.deepEqual(site.posted, [{ message: { type: FROM_HOST, action: 'set-data', payload: { a: 1 } }, targetOrigin: SITE }]);
  });

  it('sends nothing after dispose, and stops listening', async () => {
    const { site, win, bridge, fromSite } = setup({ getData: () => ({}) });
    bridge.dispose();
    assert.equal(bridge.sendData({}), false);
    assert.equal(win.listeners.size, 0);
    fromSite('get-data', {});
    await tick();
    assert.deepEqual(site.posted, []);
    bridge.dispose();
  });
});

describe('fetch', () => {
  const API = allowPaths({ origin: PLATFORM, prefixes: ['/api/'], init: { headers: { 'X-Auth-Token': 'secret' } } });

  async function fetchVia(options, request, id = 'f1') {
    const context = setup(options);
    context.fromSite('fetch', { id, request });
    for (let i = 0; i < 5; i++) await tick();
    return context;
  }

  it('performs an allowed fetch with the policy\'s init and answers fetch-result', async () => {
    const calls = [];
    const { site, bridge } = await fetchVia({
      fetchPolicy: API,
      fetch: async (url, init) => {
        calls.push([url, init]);
        return fakeResponse(200, '{"id":"u1"}', { 'Content-Type': 'application/json' });
      },
    }, { url: `${PLATFORM}/api/me`, method: 'get', headers: { Accept: 'application/json', 'x-auth-token': 'kernel' }, body: null });
    assert.equal(calls.length, 1);
    const [url, init] = calls[0];
    assert.equal(url, `${PLATFORM}/api/me`);
    assert.equal(init.method, 'GET');
    assert.deepEqual(init.headers, { Accept: 'application/json', 'X-Auth-Token': 'secret' });
    assert.equal(init.credentials, 'same-origin');
    assert.equal(init.redirect, 'error');
    assert.deepEqual(site.posted, [{
      message: {
        type: FROM_HOST,
        action: 'fetch-result',
        payload: { id: 'f1', response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: '{"id":"u1"}' } },
      },
      targetOrigin: SITE,
    }]);
    assert.equal(bridge.stats().fetched, 1);
  });

  it('refuses what the policy does not allow, with a reason, without fetching', async () => {
    let fetched = 0;
    const fetch = async () => { fetched++; return fakeResponse(200, ''); };
    for (const url of [`${PLATFORM}/admin`, `${PLATFORM}/api/../admin`, 'https://platform.example.org.evil.test/api/x', 'https://evil.example/api/']) {
      const { site } = await fetchVia({ fetchPolicy: API, fetch }, { url, method: 'GET', headers: {}, body: null });
      const payload = site.posted[0].message.payload;
      assert.equal(payload.id, 'f1');
      assert.match(payload.error, /^not served by this host: GET /, url);
    }
    assert.equal(fetched, 0);
  });

  it('allowPaths serves GET and HEAD unless told more methods, and no encoded slash', async () => {
    let fetched = 0;
    const fetch = async () => { fetched++; return fakeResponse(200, ''); };
    const refused = async (policy, request) =>
      (await fetchVia({ fetchPolicy: policy, fetch }, { headers: {}, body: null, ...request })).site.posted[0].message.payload.error;
    assert.match(await refused(API, { url: `${PLATFORM}/api/x`, method: 'DELETE' }), /^not served by this host: DELETE /);
    assert.match(await refused(API, { url: `${PLATFORM}/api/x`, method: 'POST', body: '{}' }), /^not served by this host: POST /);
    for (const path of ['/api/..%2fadmin', '/api/..%2Fadmin', '/api/..%5cadmin']) {
      assert.match(await refused(API, { url: `${PLATFORM}${path}`, method: 'GET' }), /^not served by this host: GET /, path);
    }
    assert.equal(fetched, 0);
    const writes = allowPaths({ origin: PLATFORM, prefixes: ['/api/'], methods: ['get', 'POST'] });
    assert.equal(await refused(writes, { url: `${PLATFORM}/api/x`, method: 'POST', body: '{}' }), undefined);
    assert.equal(fetched, 1);
    assert.throws(() => allowPaths({ origin: PLATFORM, prefixes: ['/'], methods: 'GET' }), /methods must be a list/);
  });

  it('refuses every fetch without a policy, and invalid requests', async () => {
    const noPolicy = await fetchVia({}, { url: `${PLATFORM}/api/me` });
    assert.equal(noPolicy.site.posted[0].message.payload.error, 'this host performs no fetches');
    for (const request of [null, { url: '/api/me' }, { url: 'javascript:alert(1)' }, { url: `${PLATFORM}/api/`, headers: { a: 1 } }, { url: `${PLATFORM}/api/`, body: {} }, { url: `${PLATFORM}/api/`, method: 'trace' }]) {
      const { site } = await fetchVia({ fetchPolicy: () => true }, request);
      assert.match(site.posted[0].message.payload.error, /^invalid request: /, JSON.stringify(request));
    }
  });

  it('drops fetch messages without an object payload or a string id', async () => {
    for (const payload of [undefined, 'x', { request: {} }, { id: 1, request: {} }]) {
      const context = setup({ fetchPolicy: () => true, fetch: async () => fakeResponse(200, '') });
      context.fromSite('fetch', payload);
      await tick();
      assert.deepEqual(context.site.posted, []);
      assert.equal(context.bridge.stats().dropped, 1);
    }
  });

  it('reports network errors and oversized responses as errors', async () => {
    const failing = await fetchVia({ fetchPolicy: API, fetch: async () => { throw new TypeError('Failed to fetch'); } }, { url: `${PLATFORM}/api/me` });
    assert.equal(failing.site.posted[0].message.payload.error, 'network error: Failed to fetch (a redirect, an unreachable server, or a refused request)');
    const big = await fetchVia({ fetchPolicy: API, fetch: async () => fakeResponse(200, 'x'.repeat(MAX_PAYLOAD_BYTES)) }, { url: `${PLATFORM}/api/me` });
    assert.match(big.site.posted[0].message.payload.error, /^response too large/);
  });

  it('accepts an async policy and a throwing one', async () => {
    const ok = await fetchVia({ fetchPolicy: async () => ({ headers: new Headers({ 'X-A': '1' }) }), fetch: async (_, init) => fakeResponse(200, JSON.stringify(init.headers)) }, { url: `${PLATFORM}/x` });
    assert.deepEqual(JSON.parse(ok.site.posted[0].message.payload.response.body), { 'x-a': '1' });
    const broken = await fetchVia({ fetchPolicy: () => { throw new Error('bug'); } }, { url: `${PLATFORM}/x` });
    assert.match(broken.site.posted[0].message.payload.error, /fetch policy failed: Error: bug/);
  });
});

describe('helpers', () => {
  it('isExactOrigin', () => {
    assert.equal(isExactOrigin('https://a.example'), true);
    assert.equal(isExactOrigin('http://127.0.0.1:8701'), true);
    for (const bad of ['https://a.example/', 'https://A.example', 'https://a.example:443', '*', 'null', 'ftp://a.example', 1]) {
      assert.equal(isExactOrigin(bad), false, String(bad));
    }
  });

  it('jsonBytes', () => {
    assert.equal(jsonBytes({ a: 1 }), 7);
    assert.equal(jsonBytes(undefined), -1);
    assert.equal(jsonBytes(BigInt(1)), -1);
    assert.ok(jsonBytes('€'.repeat(2 * 1024 * 1024)) > MAX_PAYLOAD_BYTES);
  });

  it('jsonBytes refuses data nested deeper than the site accepts', () => {
    let deep = 0;
    for (let i = 0; i < MAX_PAYLOAD_DEPTH; i++) deep = [deep];
    assert.ok(jsonBytes(deep) > 0);
    assert.equal(jsonBytes([deep]), -1);
    assert.ok(jsonBytes({ s: '[[[[[' .repeat(100) }) > 0, 'brackets in strings do not count');
  });

  it('allowPaths requires an exact origin', () => {
    assert.throws(() => allowPaths({ origin: 'https://a.example/', prefixes: ['/'] }), /exact origin/);
  });
});
