import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { IFetchRequest } from '../../src/fetch-broker';
import type {
  IHostSnapshot,
  ILogger,
  IMessageEventLike,
  IWindowLike,
  MessageListener
} from '../../src/host-bridge';
import {
  checkJson,
  jsonDepth,
  MAX_HOST_PAYLOAD_DEPTH,
  FROM_HOST,
  HostBridge,
  isEmbedded,
  MAX_HOST_PAYLOAD_BYTES,
  parentOrigin,
  TO_HOST
} from '../../src/host-bridge';
import type { IHostSettings } from '../../src/settings';

const HOST = 'https://platform.example.org';
const tick = () => new Promise(resolve => setImmediate(resolve));
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** The parent window: records what the page posts to it, with the target origin. */
class FakeParent {
  posted: { message: Record<string, unknown>; targetOrigin: string }[] = [];
  postMessage(message: unknown, targetOrigin: string): void {
    this.posted.push({ message: structuredClone(message) as Record<string, unknown>, targetOrigin });
  }
  actions(): string[] {
    return this.posted.map(p => String(p.message.action));
  }
}

class FakeWindow implements IWindowLike {
  parent: unknown;
  location: { ancestorOrigins?: ArrayLike<string> | null };
  document: { referrer: string };
  listeners = new Set<MessageListener>();

  constructor({
    embedded = true,
    ancestorOrigins = [HOST] as string[] | null,
    referrer = ''
  } = {}) {
    this.parent = embedded ? new FakeParent() : this;
    this.location = { ancestorOrigins };
    this.document = { referrer };
  }
  get host(): FakeParent {
    return this.parent as FakeParent;
  }
  addEventListener(_: 'message', listener: MessageListener): void {
    this.listeners.add(listener);
  }
  removeEventListener(_: 'message', listener: MessageListener): void {
    this.listeners.delete(listener);
  }
  /** Deliver a message event as the browser would (after structured clone). */
  dispatch(event: IMessageEventLike): void {
    for (const listener of this.listeners) {
      listener(event);
    }
  }
  /** A message from the parent page at `origin`. */
  fromHost(action: unknown, payload?: unknown, origin = HOST, extra: Record<string, unknown> = {}): void {
    const data: Record<string, unknown> = { type: FROM_HOST, action, ...extra };
    if (payload !== undefined) {
      data.payload = payload;
    }
    this.dispatch({ source: this.parent, origin, data });
  }
}

function recorder() {
  const logs: [string, string][] = [];
  const log: ILogger = {
    debug: m => logs.push(['debug', m]),
    info: m => logs.push(['info', m]),
    warn: m => logs.push(['warn', m])
  };
  return { logs, log };
}

function settings(overrides: Partial<IHostSettings> = {}): IHostSettings {
  return { allowedHostOrigins: [HOST], hostDataTimeout: 5000, hostFetchTimeout: 30000, ...overrides };
}

function started(options: { win?: FakeWindow; settings?: Partial<IHostSettings> } = {}) {
  const win = options.win ?? new FakeWindow();
  const { logs, log } = recorder();
  const bridge = new HostBridge({ window: win, log });
  const changes: IHostSnapshot[] = [];
  bridge.onChange(snapshot => changes.push(snapshot));
  bridge.start(settings(options.settings));
  return { win, bridge, logs, changes };
}

const REQUEST: IFetchRequest = {
  url: `${HOST}/api/me`,
  method: 'GET',
  headers: { Accept: 'application/json' },
  body: null
};

describe('isEmbedded and parentOrigin', () => {
  it('tells an iframe from a top-level window', () => {
    const top = new FakeWindow({ embedded: false });
    assert.equal(isEmbedded(top), false);
    assert.equal(isEmbedded(new FakeWindow()), true);
  });

  it('reads ancestorOrigins first, then the referrer origin', () => {
    assert.equal(parentOrigin(new FakeWindow({ referrer: 'https://other.test/x' })), HOST);
    assert.equal(
      parentOrigin(new FakeWindow({ ancestorOrigins: null, referrer: `${HOST}/host?path=a.ipynb` })),
      HOST
    );
    assert.equal(parentOrigin(new FakeWindow({ ancestorOrigins: [], referrer: `${HOST}/` })), HOST);
    assert.equal(parentOrigin(new FakeWindow({ ancestorOrigins: null, referrer: '' })), null);
    assert.equal(parentOrigin(new FakeWindow({ ancestorOrigins: null, referrer: 'not a url' })), null);
  });
});

describe('checkJson', () => {
  it('accepts any JSON value and measures UTF-8 bytes', () => {
    for (const value of [{ a: 1 }, [1, 'x'], 'text', 0, null, true]) {
      assert.equal(checkJson(value).ok, true);
    }
    // 2 Mi "€" = 2 Mi UTF-16 code units but 6 MiB of UTF-8.
    const euros = '€'.repeat(2 * 1024 * 1024);
    assert.equal(checkJson(euros).ok, false);
    assert.equal(checkJson('a'.repeat(MAX_HOST_PAYLOAD_BYTES)).ok, false, 'quotes push it over');
    assert.equal(checkJson('a'.repeat(MAX_HOST_PAYLOAD_BYTES - 2)).ok, true);
  });

  it('refuses data nested deeper than kernels can decode, counting only brackets outside strings', () => {
    let deep: unknown = 0;
    for (let i = 0; i < MAX_HOST_PAYLOAD_DEPTH; i++) {
      deep = [deep];
    }
    assert.equal(checkJson(deep).ok, true);
    assert.deepEqual(checkJson({ deep }), { ok: false, problem: `nested deeper than ${MAX_HOST_PAYLOAD_DEPTH} levels` });
    assert.equal(jsonDepth('{"a":"[[[{{{\\"]]]","b":[[1]]}'), 3);
  });

  it('refuses what is not JSON', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const value of [undefined, () => 1, BigInt(1), cyclic]) {
      assert.equal(checkJson(value).ok, false);
    }
  });
});

describe('HostBridge start', () => {
  it('is standalone when not embedded: posts nothing, listens to nothing', () => {
    const win = new FakeWindow({ embedded: false });
    const { bridge, changes } = started({ win });
    assert.equal(bridge.state, 'standalone');
    assert.deepEqual(bridge.snapshot(), { state: 'standalone' });
    assert.equal(bridge.hostOrigin, null);
    assert.equal(win.listeners.size, 0);
    assert.deepEqual(changes, []);
  });

  it('trusts no host with an empty allow-list, and drops what the parent sends', () => {
    const { win, bridge, logs } = started({ settings: { allowedHostOrigins: [] } });
    assert.equal(bridge.state, 'standalone');
    assert.deepEqual(win.host.posted, []);
    assert.ok(logs.some(([level, m]) => level === 'info' && m.includes('allowedHostOrigins')));
    win.fromHost('set-data', { apiConfig: {} });
    assert.equal(bridge.state, 'standalone');
    assert.equal(bridge.dropped, 1);
  });

  it('warns, naming the setting, when embedded by an origin that is not listed', () => {
    const win = new FakeWindow({ ancestorOrigins: ['https://evil.example'] });
    const { bridge, logs } = started({ win });
    assert.equal(bridge.state, 'standalone');
    assert.deepEqual(win.host.posted, []);
    const warning = logs.find(([level]) => level === 'warn');
    assert.ok(warning && /https:\/\/evil\.example/.test(warning[1]) && /"allowedHostOrigins"/.test(warning[1]));
    win.fromHost('set-data', {}, 'https://evil.example');
    assert.equal(bridge.state, 'standalone');
  });

  it('stays standalone when the parent origin is unknown', () => {
    const win = new FakeWindow({ ancestorOrigins: null, referrer: '' });
    const { bridge, logs } = started({ win });
    assert.equal(bridge.state, 'standalone');
    assert.deepEqual(win.host.posted, []);
    assert.ok(logs.some(([level, m]) => level === 'warn' && /origin is unknown/.test(m)));
  });

  it('asks a trusted host for data once, at its exact origin, and waits', () => {
    const { win, bridge, changes } = started();
    assert.equal(bridge.state, 'waiting');
    assert.equal(bridge.hostOrigin, HOST);
    assert.deepEqual(win.host.posted, [
      { message: { type: TO_HOST, action: 'get-data', payload: {} }, targetOrigin: HOST }
    ]);
    assert.deepEqual(changes, [{ state: 'waiting' }]);
    bridge.start(settings()); // once only
    assert.equal(win.host.posted.length, 1);
    bridge.dispose();
  });

  it('uses the referrer origin when ancestorOrigins is missing (Firefox)', () => {
    const win = new FakeWindow({ ancestorOrigins: null, referrer: `${HOST}/host?path=x` });
    const { bridge } = started({ win });
    assert.equal(bridge.state, 'waiting');
    assert.equal(win.host.posted[0].targetOrigin, HOST);
    bridge.dispose();
  });

  it('goes to none when the host does not answer in time, and to received when it answers late', async () => {
    const { win, bridge, changes } = started({ settings: { hostDataTimeout: 20 } });
    await sleep(40);
    assert.equal(bridge.state, 'none');
    assert.deepEqual(changes, [{ state: 'waiting' }, { state: 'none' }]);
    win.fromHost('set-data', { late: true });
    const received = { state: 'received', data: { late: true }, dataJson: '{"late":true}' };
    assert.deepEqual(bridge.snapshot(), received);
    assert.deepEqual(changes.at(-1), received);
  });

  it('timeout 0 means: do not wait', async () => {
    const { bridge } = started({ settings: { hostDataTimeout: 0 } });
    await sleep(5);
    assert.equal(bridge.state, 'none');
  });
});

describe('HostBridge set-data', () => {
  it('takes any JSON value as data and notifies every change', () => {
    const { win, bridge, changes } = started();
    const values: unknown[] = [
      { apiConfig: { accountId: 'a', authToken: 't' }, environ: { API_HOST: 'h' } },
      [{ _id: 'm1', name: 'Silicon' }],
      'just text',
      42,
      null,
      { s: `'''"""\\\u2028\ud800 x` }
    ];
    for (const value of values) {
      win.fromHost('set-data', value);
      assert.deepEqual(bridge.snapshot(), { state: 'received', data: value, dataJson: JSON.stringify(value) });
    }
    assert.deepEqual(
      changes.slice(1),
      values.map(data => ({ state: 'received', data, dataJson: JSON.stringify(data) }))
    );
    // The JSON text escapes the lone surrogate, so a kernel can rebuild the string exactly.
    assert.equal(bridge.snapshot().dataJson, '{"s":"\'\'\'\\"\\"\\"\\\\\u2028\\ud800 x"}');
    assert.deepEqual(JSON.parse(bridge.snapshot().dataJson!), values.at(-1));
    assert.equal(bridge.dropped, 0);
    bridge.dispose();
  });

  it('hands on plain JSON, whatever else was cloned', () => {
    const { win, bridge } = started();
    const when = new Date(0);
    win.fromHost('set-data', { when, gone: undefined, list: [1, undefined] });
    assert.deepEqual(bridge.snapshot().data, { when: when.toJSON(), list: [1, null] });
    bridge.dispose();
  });

  it('notifies listeners even if one of them throws', () => {
    const { win, bridge, changes } = started();
    bridge.onChange(() => {
      throw new Error('listener bug');
    });
    win.fromHost('set-data', { a: 1 });
    assert.equal(changes.length, 2);
    bridge.dispose();
  });
});

describe('HostBridge drops, never throws', () => {
  it('ignores a foreign origin, even from the parent window', () => {
    const { win, bridge, logs } = started();
    win.fromHost('set-data', { apiConfig: { authToken: 'evil' } }, 'https://evil.example');
    assert.equal(bridge.state, 'waiting');
    assert.equal(bridge.dropped, 1);
    const debug = logs.find(([level]) => level === 'debug');
    assert.ok(debug && debug[1].includes('https://evil.example') && !debug[1].includes('evil"'));
    assert.ok(!JSON.stringify(logs).includes('authToken'), 'payloads are never logged');
    bridge.dispose();
  });

  it('ignores the right origin from another window', () => {
    const { win, bridge } = started();
    win.dispatch({ source: {}, origin: HOST, data: { type: FROM_HOST, action: 'set-data', payload: {} } });
    win.dispatch({ source: null, origin: HOST, data: { type: FROM_HOST, action: 'set-data', payload: {} } });
    win.dispatch({ source: win, origin: HOST, data: { type: FROM_HOST, action: 'set-data', payload: {} } });
    assert.equal(bridge.state, 'waiting');
    assert.equal(bridge.dropped, 3);
    bridge.dispose();
  });

  it('drops wrong types, missing or unknown actions, non-object fetch-result payloads, oversized payloads', () => {
    const { win, bridge } = started();
    const dispatchData = (data: unknown) => win.dispatch({ source: win.parent, origin: HOST, data });
    const bad: unknown[] = [
      null,
      'set-data',
      [FROM_HOST, 'set-data'],
      { type: TO_HOST, action: 'set-data', payload: {} },
      { type: 'from-host', action: 'set-data', payload: {} },
      { action: 'set-data', payload: {} },
      { type: FROM_HOST, payload: {} },
      { type: FROM_HOST, action: 7, payload: {} },
      { type: FROM_HOST, action: 'get-data', payload: {} },
      { type: FROM_HOST, action: 'eval', payload: 'alert(1)' },
      { type: FROM_HOST, action: 'set-data' },
      { type: FROM_HOST, action: 'set-data', payload: undefined },
      { type: FROM_HOST, action: 'set-data', payload: 'x'.repeat(MAX_HOST_PAYLOAD_BYTES + 1) },
      { type: FROM_HOST, action: 'set-data', payload: { big: '€'.repeat(2 * 1024 * 1024) } },
      { type: FROM_HOST, action: 'set-data', payload: BigInt(1) },
      { type: FROM_HOST, action: 'fetch-result', payload: 'x' },
      { type: FROM_HOST, action: 'fetch-result', payload: ['id', {}] },
      { type: FROM_HOST, action: 'fetch-result', payload: null },
      { type: FROM_HOST, action: 'fetch-result', payload: { id: 'nobody', response: {} } },
      { type: FROM_HOST, action: 'fetch-result', payload: { response: {} } }
    ];
    for (const data of bad) {
      assert.doesNotThrow(() => dispatchData(data));
    }
    assert.equal(bridge.state, 'waiting');
    assert.equal(bridge.dropped, bad.length);
    bridge.dispose();
  });

  it('survives hostile message objects', () => {
    const { win, bridge } = started();
    const hostile = {
      get type(): string {
        throw new Error('getter');
      }
    };
    assert.doesNotThrow(() => win.dispatch({ source: win.parent, origin: HOST, data: hostile }));
    assert.equal(bridge.dropped, 1);
    bridge.dispose();
  });

  it('ignores info messages without counting them', () => {
    const { win, bridge } = started();
    win.fromHost('info', { message: 'hello' });
    assert.equal(bridge.dropped, 0);
    assert.equal(bridge.state, 'waiting');
    bridge.dispose();
  });
});

describe('HostBridge request (get-host-data)', () => {
  it('answers at once when standalone', async () => {
    const { win, bridge } = started({ win: new FakeWindow({ embedded: false }) });
    assert.deepEqual(await bridge.request(), { state: 'standalone' });
    assert.equal(win.listeners.size, 0);
  });

  it('asks again and resolves with the answer; concurrent asks share one get-data', async () => {
    const { win, bridge } = started();
    win.fromHost('set-data', { v: 1 });
    const a = bridge.request();
    const b = bridge.request();
    assert.deepEqual(win.host.actions(), ['get-data', 'get-data']);
    assert.equal(bridge.state, 'received', 'data already received stays valid while asking');
    win.fromHost('set-data', { v: 2 });
    assert.deepEqual(await a, { state: 'received', data: { v: 2 }, dataJson: '{"v":2}' });
    assert.deepEqual(await b, { state: 'received', data: { v: 2 }, dataJson: '{"v":2}' });
    bridge.dispose();
  });

  it('resolves after the timeout: none if nothing ever came, else the old data', async () => {
    const { win, bridge, changes } = started({ settings: { hostDataTimeout: 15 } });
    assert.deepEqual(await bridge.request(), { state: 'none' });
    const again = bridge.request();
    assert.equal(bridge.state, 'waiting', 'asking again after none');
    assert.deepEqual(await again, { state: 'none' });
    assert.deepEqual(
      changes.map(c => c.state),
      ['waiting', 'none', 'waiting', 'none']
    );
    win.fromHost('set-data', ['a']);
    assert.deepEqual(await bridge.request(), { state: 'received', data: ['a'], dataJson: '["a"]' });
  });
});

describe('HostBridge send (data exchange)', () => {
  it('posts set-data to the exact host origin', () => {
    const { win, bridge } = started();
    assert.deepEqual(bridge.send({ results: [1, 2] }), { sent: true });
    assert.deepEqual(bridge.send('text'), { sent: true });
    assert.deepEqual(win.host.posted.slice(1), [
      { message: { type: TO_HOST, action: 'set-data', payload: { results: [1, 2] } }, targetOrigin: HOST },
      { message: { type: TO_HOST, action: 'set-data', payload: 'text' }, targetOrigin: HOST }
    ]);
    assert.ok(win.host.posted.every(p => p.targetOrigin !== '*'));
    bridge.dispose();
  });

  it('sends nothing when standalone, or when the payload is not JSON or too large', () => {
    const standalone = started({ settings: { allowedHostOrigins: [] } });
    const result = standalone.bridge.send({ a: 1 });
    assert.equal(result.sent, false);
    assert.match(result.reason ?? '', /^standalone: /);
    assert.deepEqual(standalone.win.host.posted, []);

    const { win, bridge } = started();
    assert.match(bridge.send(BigInt(1)).reason ?? '', /^refused: .*JSON/);
    assert.match(bridge.send('x'.repeat(MAX_HOST_PAYLOAD_BYTES + 1)).reason ?? '', /^refused: .*larger/);
    assert.deepEqual(win.host.actions(), ['get-data']);
    bridge.dispose();
  });

  it('reports a failing postMessage instead of throwing', () => {
    const { win, bridge } = started();
    win.host.postMessage = () => {
      throw new Error('DataCloneError');
    };
    const result = bridge.send({ a: 1 });
    assert.equal(result.sent, false);
    assert.match(result.reason ?? '', /could not post/);
    bridge.dispose();
  });
});

describe('HostBridge fetch', () => {
  function lastFetch(win: FakeWindow) {
    const post = win.host.posted.filter(p => p.message.action === 'fetch').at(-1)!;
    return { post, payload: post.message.payload as { id: string; request: IFetchRequest } };
  }

  it('posts fetch {id, request} to the exact origin and resolves with the response', async () => {
    const { win, bridge } = started();
    const pending = bridge.fetch(REQUEST, 1000);
    const { post, payload } = lastFetch(win);
    assert.equal(post.targetOrigin, HOST);
    assert.equal(post.message.type, TO_HOST);
    assert.deepEqual(payload.request, REQUEST);
    assert.match(payload.id, /^[0-9a-f]{8}-1$/);
    win.fromHost('fetch-result', {
      id: payload.id,
      response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json', n: 5 }, body: '{}' }
    });
    assert.deepEqual(await pending, {
      ok: true,
      response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: '{}' }
    });
    bridge.dispose();
  });

  it('gives each fetch its own id and matches answers in any order', async () => {
    const { win, bridge } = started();
    const first = bridge.fetch(REQUEST, 1000);
    const firstId = lastFetch(win).payload.id;
    const second = bridge.fetch({ ...REQUEST, url: `${HOST}/api/projects` }, 1000);
    const secondId = lastFetch(win).payload.id;
    assert.notEqual(firstId, secondId);
    win.fromHost('fetch-result', { id: secondId, response: { status: 201, body: 'two' } });
    win.fromHost('fetch-result', { id: firstId, response: { status: 200, body: null } });
    assert.equal(((await first) as { response: { status: number } }).response.status, 200);
    assert.deepEqual(await second, {
      ok: true,
      response: { status: 201, statusText: '', headers: {}, body: 'two' }
    });
    // A second answer for the same id is late: dropped.
    win.fromHost('fetch-result', { id: firstId, response: { status: 500 } });
    assert.equal(bridge.dropped, 1);
    bridge.dispose();
  });

  it('reports a refusal as "host refused", with the host\'s reason', async () => {
    const { win, bridge } = started();
    const pending = bridge.fetch(REQUEST, 1000);
    win.fromHost('fetch-result', { id: lastFetch(win).payload.id, error: 'not an API URL' });
    assert.deepEqual(await pending, { ok: false, error: 'host refused: not an API URL' });
    const unexplained = bridge.fetch(REQUEST, 1000);
    win.fromHost('fetch-result', { id: lastFetch(win).payload.id, error: 42 });
    assert.deepEqual(await unexplained, { ok: false, error: 'host refused: no reason given' });
    bridge.dispose();
  });

  it('reports silence as "host timeout", distinct from a refusal', async () => {
    const { win, bridge } = started();
    const result = await bridge.fetch(REQUEST, 20);
    assert.deepEqual(result, { ok: false, error: 'host timeout: the host did not answer within 20 ms' });
    // The answer after the timeout is dropped.
    win.fromHost('fetch-result', { id: lastFetch(win).payload.id, response: { status: 200 } });
    assert.equal(bridge.dropped, 1);
    bridge.dispose();
  });

  it('does not take an answer from another origin', async () => {
    const { win, bridge } = started();
    const pending = bridge.fetch(REQUEST, 30);
    win.fromHost('fetch-result', { id: lastFetch(win).payload.id, response: { status: 200 } }, 'https://evil.example');
    assert.match(((await pending) as { error: string }).error, /^host timeout: /);
    bridge.dispose();
  });

  it('reports a malformed response as a host error', async () => {
    const { win, bridge } = started();
    for (const response of [undefined, 'x', { status: '200' }, { status: 200, body: 5 }, { status: 200, headers: [] }]) {
      const pending = bridge.fetch(REQUEST, 1000);
      win.fromHost('fetch-result', { id: lastFetch(win).payload.id, response });
      assert.deepEqual(await pending, {
        ok: false,
        error: 'host error: the host answered without a valid response'
      });
    }
    bridge.dispose();
  });

  it('drops an oversized fetch-result; the request then times out', async () => {
    const { win, bridge } = started();
    const pending = bridge.fetch(REQUEST, 30);
    win.fromHost('fetch-result', {
      id: lastFetch(win).payload.id,
      response: { status: 200, body: 'x'.repeat(MAX_HOST_PAYLOAD_BYTES) }
    });
    assert.equal(bridge.dropped, 1);
    assert.match(((await pending) as { error: string }).error, /^host timeout: /);
    bridge.dispose();
  });

  it('fails at once with "no host" when standalone', async () => {
    const { win, bridge } = started({ settings: { allowedHostOrigins: [] } });
    const result = await bridge.fetch(REQUEST, 1000);
    assert.equal(result.ok, false);
    assert.match((result as { error: string }).error, /^no host: /);
    assert.deepEqual(win.host.posted, []);
  });

  it('settles pending fetches and asks on dispose, then ignores everything', async () => {
    const { win, bridge } = started();
    const pending = bridge.fetch(REQUEST, 10000);
    const asked = bridge.request();
    bridge.dispose();
    assert.deepEqual(await pending, { ok: false, error: 'host error: the page is closing' });
    assert.deepEqual(await asked, { state: 'waiting' });
    assert.equal(win.listeners.size, 0);
    assert.equal(bridge.send({}).sent, false);
    await tick();
  });
});
