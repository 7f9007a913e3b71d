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
      { type: 'config', protocol: PROTOCOL_VERSION, settings: SETTINGS }
    ]);
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
    await port.deliver({ type: 'fetch', id: '1', request: {} });
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
        settings: SETTINGS
      });
    } finally {
      channel.dispose();
      kernelSide.close();
    }
  });
});
