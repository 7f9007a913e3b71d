import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { IOpenResult } from '../../src/broker';
import { Broker } from '../../src/broker';
import type { IPort } from '../../src/channel';
import {
  CHANNEL_NAME_RE,
  newChannelName,
  PageChannel,
  PROTOCOL_VERSION
} from '../../src/channel';
import type { IFetchResult } from '../../src/fetch-broker';
import type { IHostSnapshot, ISendResult } from '../../src/host-bridge';
import type { IAuthSettings } from '../../src/settings';

/** A BroadcastChannel stand-in: records what the page posts, lets a test deliver. */
class FakePort implements IPort {
  posted: unknown[] = [];
  closed = false;
  private _listeners = new Set<(event: { data: unknown }) => void>();

  postMessage(message: unknown): void {
    // Structured clone, as a real channel would: no shared references.
    this.posted.push(structuredClone(message));
  }
  addEventListener(_: 'message', listener: (event: { data: unknown }) => void): void {
    this._listeners.add(listener);
  }
  removeEventListener(_: 'message', listener: (event: { data: unknown }) => void): void {
    this._listeners.delete(listener);
  }
  close(): void {
    this.closed = true;
  }
  get listenerCount(): number {
    return this._listeners.size;
  }
  /** Deliver a message from the kernel; resolves once handlers have run. */
  async deliver(data: unknown): Promise<void> {
    for (const listener of this._listeners) {
      listener({ data });
    }
    await new Promise(resolve => setImmediate(resolve));
  }
}

const SETTINGS: IAuthSettings = {
  issuer: 'https://platform.example.com/oidc',
  clientId: 'cli-device-client',
  scope: 'openid profile email',
  autoOpen: true,
  environ: { API_HOST: 'platform.example.com' }
};

function setup(
  open: (url: unknown) => IOpenResult = () => ({ opened: true })
): { port: FakePort; channel: PageChannel; opened: unknown[] } {
  const port = new FakePort();
  const opened: unknown[] = [];
  const channel = new PageChannel(port, {
    settings: async () => SETTINGS,
    broker: {
      open: url => {
        opened.push(url);
        return open(url);
      }
    }
  });
  return { port, channel, opened };
}

describe('newChannelName', () => {
  it('is the prefix plus 32 lowercase hex digits', () => {
    for (let i = 0; i < 50; i++) {
      assert.match(newChannelName(), CHANNEL_NAME_RE);
    }
  });

  it('is fresh each time', () => {
    const names = new Set(Array.from({ length: 100 }, () => newChannelName()));
    assert.equal(names.size, 100);
  });

  it('encodes every byte as two hex digits', () => {
    const name = newChannelName(array => array.fill(0x0a));
    assert.equal(name, 'jupyterlite-auth-' + '0a'.repeat(16));
    assert.equal(newChannelName(array => array.fill(0xff)), 'jupyterlite-auth-' + 'f'.repeat(32));
  });

  it('pattern rejects anything else', () => {
    for (const bad of [
      'jupyterlite-auth-' + 'A'.repeat(32),
      'jupyterlite-auth-' + '0'.repeat(31),
      'jupyterlite-auth-' + '0'.repeat(33),
      'jupyterlite-auth-' + '0'.repeat(31) + 'g',
      'x-' + '0'.repeat(32),
      'jupyterlite-auth-' + '0'.repeat(32) + '\n'
    ]) {
      assert.doesNotMatch(bad, CHANNEL_NAME_RE);
    }
  });
});

describe('PageChannel', () => {
  it('answers hello with config', async () => {
    const { port } = setup();
    await port.deliver({ type: 'hello', protocol: 1 });
    assert.deepEqual(port.posted, [
      {
        type: 'config',
        protocol: PROTOCOL_VERSION,
        settings: SETTINGS,
        host: { state: 'standalone' },
        features: {}
      }
    ]);
  });

  it('announces the page features in config', async () => {
    const port = new FakePort();
    new PageChannel(port, {
      settings: () => SETTINGS,
      broker: { open: () => ({ opened: true }) },
      features: () => ({ widget: true })
    });
    await port.deliver({ type: 'hello', protocol: 1 });
    assert.deepEqual((port.posted[0] as { features: unknown }).features, { widget: true });
  });

  it('passes the flow of an open request to the broker', async () => {
    const port = new FakePort();
    const calls: unknown[][] = [];
    new PageChannel(port, {
      settings: () => SETTINGS,
      broker: {
        open: (url, flow) => {
          calls.push([url, flow]);
          return { opened: true };
        }
      }
    });
    await port.deliver({ type: 'open', id: '3', url: 'https://example.com/device', flow: '0123456789abcdef' });
    assert.deepEqual(calls, [['https://example.com/device', '0123456789abcdef']]);
    assert.deepEqual(port.posted, [{ type: 'open-result', id: '3', opened: true }]);
  });

  it('answers every hello', async () => {
    const { port } = setup();
    await port.deliver({ type: 'hello', protocol: 1 });
    await port.deliver({ type: 'hello', protocol: 1 });
    assert.equal(port.posted.length, 2);
  });

  it('reads settings anew for each hello', async () => {
    const port = new FakePort();
    let issuer = 'https://a';
    new PageChannel(port, {
      settings: () => ({ ...SETTINGS, issuer }),
      broker: new Broker(() => null)
    });
    await port.deliver({ type: 'hello', protocol: 1 });
    issuer = 'https://b';
    await port.deliver({ type: 'hello', protocol: 1 });
    const issuers = port.posted.map(m => (m as { settings: IAuthSettings }).settings.issuer);
    assert.deepEqual(issuers, ['https://a', 'https://b']);
  });

  it('handles open via the broker and echoes the id', async () => {
    const { port, opened } = setup();
    await port.deliver({ type: 'open', id: 'req-7', url: 'https://example.com/device' });
    assert.deepEqual(opened, ['https://example.com/device']);
    assert.deepEqual(port.posted, [{ type: 'open-result', id: 'req-7', opened: true }]);
  });

  it('passes refusals and blocks through with their reason', async () => {
    const port = new FakePort();
    new PageChannel(port, { settings: () => SETTINGS, broker: new Broker(() => null) });
    await port.deliver({ type: 'open', id: '1', url: 'javascript:alert(1)' });
    await port.deliver({ type: 'open', id: '2', url: 'https://example.com/' });
    await port.deliver({ type: 'open', id: '3' });
    assert.deepEqual(port.posted, [
      { type: 'open-result', id: '1', opened: false, reason: 'refused: scheme javascript: is not http: or https:' },
      { type: 'open-result', id: '2', opened: false, reason: 'blocked' },
      { type: 'open-result', id: '3', opened: false, reason: 'refused: url must be a string' }
    ]);
  });

  it('gives exactly one reply per request, in order, ids unchanged', async () => {
    const { port } = setup();
    const ids = ['a', '', 'ü-\u2028', '"quoted"'];
    for (const id of ids) {
      await port.deliver({ type: 'open', id, url: 'https://example.com/' });
    }
    assert.deepEqual(
      port.posted.map(m => (m as { id: string }).id),
      ids
    );
  });

  it('ignores unknown types', async () => {
    const { port, opened } = setup();
    await port.deliver({ type: 'teleport', id: '1', request: {} });
    await port.deliver({ type: 'host-data', protocol: 1, state: 'received', data: {} });
    await port.deliver({ type: 'fetch-result', id: '1', ok: true });
    await port.deliver({ type: 'config', protocol: 1, settings: {} });
    await port.deliver({ type: 'open-result', id: '1', opened: true });
    assert.deepEqual(port.posted, []);
    assert.deepEqual(opened, []);
  });

  it('ignores malformed messages', async () => {
    const { port, opened } = setup();
    for (const data of [
      null,
      undefined,
      'hello',
      42,
      ['hello'],
      {},
      { type: 1 },
      { type: null },
      { type: 'open', url: 'https://example.com/' }, // no id
      { type: 'open', id: 7, url: 'https://example.com/' }, // id not a string
      { type: 'open', id: null, url: 'https://example.com/' }
    ]) {
      await port.deliver(data);
    }
    assert.deepEqual(port.posted, []);
    assert.deepEqual(opened, []);
  });

  it('stops answering and closes the port when disposed', async () => {
    const { port, channel } = setup();
    channel.dispose();
    assert.equal(port.closed, true);
    assert.equal(port.listenerCount, 0);
    await channel.handle({ type: 'hello', protocol: 1 });
    assert.deepEqual(port.posted, []);
    channel.dispose(); // idempotent
  });

  it('logs and stays silent when settings cannot be read', async () => {
    const port = new FakePort();
    new PageChannel(port, {
      settings: async () => {
        throw new Error('registry down');
      },
      broker: new Broker(() => null)
    });
    const logged: unknown[][] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      await port.deliver({ type: 'hello', protocol: 1 });
    } finally {
      console.error = error;
    }
    assert.deepEqual(port.posted, []);
    assert.equal(logged.length, 1);
    assert.match(String(logged[0][0]), /^\[jupyterlite-auth\]/);
  });

  it('works over a real BroadcastChannel', async () => {
    const name = newChannelName();
    const pagePort = new BroadcastChannel(name);
    const kernelSide = new BroadcastChannel(name);
    const channel = new PageChannel(pagePort as unknown as IPort, {
      settings: () => SETTINGS,
      broker: { open: () => ({ opened: true }) }
    });
    try {
      const reply = new Promise<unknown>(resolve => {
        kernelSide.onmessage = event => resolve((event as MessageEvent).data);
      });
      kernelSide.postMessage({ type: 'hello', protocol: 1 });
      assert.deepEqual(await reply, {
        type: 'config',
        protocol: PROTOCOL_VERSION,
        settings: SETTINGS,
        host: { state: 'standalone' },
        features: {}
      });
    } finally {
      channel.dispose();
      kernelSide.close();
    }
  });
});

/** A host bridge stand-in: a settable snapshot, scripted answers. */
class FakeHost {
  current: IHostSnapshot = { state: 'standalone' };
  requests = 0;
  sent: unknown[] = [];
  answer: () => Promise<IHostSnapshot> = async () => this.current;
  sendResult: ISendResult = { sent: true };
  snapshot(): IHostSnapshot {
    return this.current;
  }
  request(): Promise<IHostSnapshot> {
    this.requests++;
    return this.answer();
  }
  send(payload: unknown): ISendResult {
    this.sent.push(payload);
    return this.sendResult;
  }
}

function platformSetup(
  fetch: (request: unknown, via: unknown) => Promise<IFetchResult> = async () => ({
    ok: true,
    via: 'page',
    response: { status: 200, statusText: 'OK', headers: {}, body: 'hi' }
  })
) {
  const port = new FakePort();
  const host = new FakeHost();
  const fetches: [unknown, unknown][] = [];
  const channel = new PageChannel(port, {
    settings: () => SETTINGS,
    broker: new Broker(() => null),
    host,
    fetcher: {
      fetch: (request, via) => {
        fetches.push([request, via]);
        return fetch(request, via);
      }
    }
  });
  return { port, host, channel, fetches };
}

describe('PageChannel platform mode', () => {
  it('config carries the host state and data as the bridge has them', async () => {
    const { port, host } = platformSetup();
    host.current = { state: 'waiting' };
    await port.deliver({ type: 'hello', protocol: 1 });
    host.current = { state: 'received', data: [{ name: 'Si' }] };
    await port.deliver({ type: 'hello', protocol: 1 });
    assert.deepEqual(
      port.posted.map(m => (m as { host: unknown }).host),
      [{ state: 'waiting' }, { state: 'received', data: [{ name: 'Si' }] }]
    );
  });

  it('posts host-data with protocol, state and data', () => {
    const { port, channel } = platformSetup();
    channel.postHostData({ state: 'received', data: { apiConfig: { accountId: 'a' } } });
    channel.postHostData({ state: 'none' });
    assert.deepEqual(port.posted, [
      { type: 'host-data', protocol: 1, state: 'received', data: { apiConfig: { accountId: 'a' } } },
      { type: 'host-data', protocol: 1, state: 'none' }
    ]);
  });

  it('forwards an interrupt as cancel-sign-in', () => {
    const { port, channel } = platformSetup();
    channel.postCancelSignIn();
    assert.deepEqual(port.posted, [{ type: 'cancel-sign-in', protocol: 1 }]);
  });

  it('names the sign-in when the widget\'s Cancel was pressed', () => {
    const { port, channel } = platformSetup();
    channel.postCancelSignIn('0123456789abcdef');
    assert.deepEqual(port.posted, [
      { type: 'cancel-sign-in', protocol: 1, flow: '0123456789abcdef' }
    ]);
  });

  it('keeps awkward data byte-identical through the channel', () => {
    const { port, channel } = platformSetup();
    const data = { s: `'''"""\\\u2028\ud800 x`, list: [null, 1.5, true] };
    channel.postHostData({ state: 'received', data });
    assert.deepEqual((port.posted[0] as { data: unknown }).data, data);
  });

  it('answers get-host-data once the host answered, with the id', async () => {
    const { port, host } = platformSetup();
    let answer!: (snapshot: IHostSnapshot) => void;
    host.answer = () => new Promise(resolve => (answer = resolve));
    await port.deliver({ type: 'get-host-data', id: 'g1' });
    assert.deepEqual(port.posted, [], 'no reply before the host answered');
    assert.equal(host.requests, 1);
    answer({ state: 'received', data: 'text data' });
    await new Promise(resolve => setImmediate(resolve));
    assert.deepEqual(port.posted, [
      { type: 'get-host-data-result', id: 'g1', state: 'received', data: 'text data' }
    ]);
  });

  it('answers get-host-data with standalone when there is no bridge, the current state when it fails', async () => {
    const port = new FakePort();
    new PageChannel(port, { settings: () => SETTINGS, broker: new Broker(() => null) });
    await port.deliver({ type: 'get-host-data', id: 'a' });
    const failing = platformSetup();
    failing.host.answer = () => Promise.reject(new Error('boom'));
    failing.host.current = { state: 'none' };
    const error = console.error;
    console.error = () => undefined;
    try {
      await failing.port.deliver({ type: 'get-host-data', id: 'b' });
    } finally {
      console.error = error;
    }
    assert.deepEqual(port.posted, [{ type: 'get-host-data-result', id: 'a', state: 'standalone' }]);
    assert.deepEqual(failing.port.posted, [{ type: 'get-host-data-result', id: 'b', state: 'none' }]);
  });

  it('sends to the host and replies with sent/reason', async () => {
    const { port, host } = platformSetup();
    await port.deliver({ type: 'send-to-host', id: 's1', payload: { result: [1, 2] } });
    host.sendResult = { sent: false, reason: 'standalone: no trusted host embeds this site' };
    await port.deliver({ type: 'send-to-host', id: 's2', payload: 'x' });
    await port.deliver({ type: 'send-to-host', id: 's3' });
    assert.deepEqual(host.sent, [{ result: [1, 2] }, 'x']);
    assert.deepEqual(port.posted, [
      { type: 'send-to-host-result', id: 's1', sent: true },
      { type: 'send-to-host-result', id: 's2', sent: false, reason: 'standalone: no trusted host embeds this site' },
      { type: 'send-to-host-result', id: 's3', sent: false, reason: 'refused: no payload' }
    ]);
  });

  it('takes the payload as JSON text (payloadJson) too, refusing text that is not JSON', async () => {
    const { port, host } = platformSetup();
    const value = { s: `'''\ud800`, n: [1] };
    await port.deliver({ type: 'send-to-host', id: 'j1', payloadJson: JSON.stringify(value) });
    await port.deliver({ type: 'send-to-host', id: 'j2', payloadJson: '{not json' });
    await port.deliver({ type: 'send-to-host', id: 'j3', payloadJson: { a: 1 } });
    await port.deliver({ type: 'send-to-host', id: 'j4', payloadJson: 'null', payload: 'ignored' });
    assert.deepEqual(host.sent, [value, null]);
    assert.deepEqual(port.posted, [
      { type: 'send-to-host-result', id: 'j1', sent: true },
      { type: 'send-to-host-result', id: 'j2', sent: false, reason: 'refused: payloadJson is not valid JSON' },
      { type: 'send-to-host-result', id: 'j3', sent: false, reason: 'refused: payloadJson must be a string of JSON' },
      { type: 'send-to-host-result', id: 'j4', sent: true }
    ]);
  });

  it('send-to-host without a bridge is standalone', async () => {
    const port = new FakePort();
    new PageChannel(port, { settings: () => SETTINGS, broker: new Broker(() => null) });
    await port.deliver({ type: 'send-to-host', id: '1', payload: {} });
    assert.deepEqual(port.posted, [
      { type: 'send-to-host-result', id: '1', sent: false, reason: 'standalone: no trusted host embeds this site' }
    ]);
  });

  it('hands fetch requests to the broker and replies with the result and id', async () => {
    const { port, fetches } = platformSetup(async (_, via) =>
      via === 'host'
        ? { ok: false, error: 'host refused: not served' }
        : { ok: true, via: 'page', response: { status: 200, statusText: 'OK', headers: { a: 'b' }, body: 'hi' } }
    );
    const request = { url: 'https://example.com/x', method: 'GET', headers: {}, body: null };
    await port.deliver({ type: 'fetch', id: 'f1', request, via: 'page' });
    await port.deliver({ type: 'fetch', id: 'f2', request, via: 'host' });
    assert.deepEqual(fetches, [
      [request, 'page'],
      [request, 'host']
    ]);
    assert.deepEqual(port.posted, [
      {
        type: 'fetch-result',
        id: 'f1',
        ok: true,
        via: 'page',
        response: { status: 200, statusText: 'OK', headers: { a: 'b' }, body: 'hi' }
      },
      { type: 'fetch-result', id: 'f2', ok: false, error: 'host refused: not served' }
    ]);
  });

  it('replies to a fetch even when the broker throws, or there is none', async () => {
    const { port } = platformSetup(() => Promise.reject(new Error('bug')));
    await port.deliver({ type: 'fetch', id: 'x', request: {}, via: 'auto' });
    const bare = new FakePort();
    new PageChannel(bare, { settings: () => SETTINGS, broker: new Broker(() => null) });
    await bare.deliver({ type: 'fetch', id: 'y', request: {} });
    assert.deepEqual(port.posted, [{ type: 'fetch-result', id: 'x', ok: false, error: 'page error: Error: bug' }]);
    assert.deepEqual(bare.posted, [
      { type: 'fetch-result', id: 'y', ok: false, error: 'refused: this page does not perform fetches' }
    ]);
  });

  it('answers concurrent requests once each, matching ids, whatever order they finish in', async () => {
    const resolvers: (() => void)[] = [];
    const { port } = platformSetup(
      request =>
        new Promise(resolve =>
          resolvers.push(() => resolve({ ok: false, error: `done ${(request as { n: number }).n}` }))
        )
    );
    for (const n of [1, 2, 3]) {
      await port.deliver({ type: 'fetch', id: `r${n}`, request: { n }, via: 'auto' });
    }
    resolvers[2]();
    resolvers[0]();
    resolvers[1]();
    await new Promise(resolve => setImmediate(resolve));
    assert.deepEqual(
      port.posted.map(m => [(m as { id: string }).id, (m as { error: string }).error]),
      [
        ['r3', 'done 3'],
        ['r1', 'done 1'],
        ['r2', 'done 2']
      ]
    );
  });

  it('ignores platform requests without a string id', async () => {
    const { port, host, fetches } = platformSetup();
    for (const type of ['get-host-data', 'send-to-host', 'fetch']) {
      for (const id of [undefined, null, 7, {}]) {
        await port.deliver({ type, id, payload: {}, request: { url: 'https://example.com/' } });
      }
    }
    assert.deepEqual(port.posted, []);
    assert.equal(host.requests, 0);
    assert.deepEqual(host.sent, []);
    assert.deepEqual(fetches, []);
  });

  it('posts nothing after dispose, not even late replies', async () => {
    let finish!: () => void;
    const { port, channel } = platformSetup(
      () => new Promise(resolve => (finish = () => resolve({ ok: false, error: 'late' })))
    );
    await port.deliver({ type: 'fetch', id: 'late', request: {} });
    channel.dispose();
    channel.postHostData({ state: 'none' });
    finish();
    await new Promise(resolve => setImmediate(resolve));
    assert.deepEqual(port.posted, []);
  });
});
