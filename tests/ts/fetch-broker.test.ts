import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';

import type { FetchFunction, IFetchRequest, IHostFetcher, IHostFetchOutcome } from '../../src/fetch-broker';
import { checkFetchRequest, FetchBroker, normalizeResponse } from '../../src/fetch-broker';
import type { HostState, IMessageEventLike, IWindowLike, MessageListener } from '../../src/host-bridge';
import { FROM_HOST, HostBridge } from '../../src/host-bridge';

const HOST = 'https://platform.example.org';

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { url: `${HOST}/api/me`, method: 'GET', headers: { Accept: 'application/json' }, body: null, ...overrides };
}

function refusal(raw: unknown): string {
  const check = checkFetchRequest(raw);
  assert.equal(check.ok, false, `expected ${JSON.stringify(raw)} to be refused`);
  return (check as { reason: string }).reason;
}

/** A host bridge stand-in with a settable state and scripted outcome. */
class FakeHost implements IHostFetcher {
  calls: [IFetchRequest, number][] = [];
  constructor(
    public state: HostState,
    public outcome: IHostFetchOutcome = {
      ok: true,
      response: { status: 200, statusText: 'OK', headers: {}, body: 'from host' }
    }
  ) {}
  async fetch(request: IFetchRequest, timeoutMs: number): Promise<IHostFetchOutcome> {
    this.calls.push([request, timeoutMs]);
    return this.outcome;
  }
}

/** A page fetch stand-in: records calls, answers with a real Response. */
function fakeFetch(respond: (url: string, init: RequestInit) => Promise<Response> | Response = () =>
  new Response('from page', { status: 203, statusText: 'Partial', headers: { 'X-Thing': 'a', 'Content-Type': 'text/plain' } })
) {
  const calls: [string, RequestInit][] = [];
  const fetch: FetchFunction = async (url, init) => {
    calls.push([url, init]);
    return respond(url, init);
  };
  return { calls, fetch };
}

describe('checkFetchRequest', () => {
  it('normalises a valid request', () => {
    assert.deepEqual(checkFetchRequest({ url: 'HTTPS://Platform.Example.org/api/me' }), {
      ok: true,
      request: { url: `${HOST}/api/me`, method: 'GET', headers: {}, body: null }
    });
    assert.deepEqual(
      checkFetchRequest({ url: `${HOST}/api/x`, method: 'post', headers: { 'Content-Type': 'application/json' }, body: '{}' }),
      {
        ok: true,
        request: { url: `${HOST}/api/x`, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }
      }
    );
  });

  it('refuses what a page must not fetch for a kernel', () => {
    assert.equal(refusal(null), 'refused: request must be an object');
    assert.equal(refusal('https://x.test/'), 'refused: request must be an object');
    assert.match(refusal({ url: 'javascript:alert(1)' }), /^refused: scheme javascript:/);
    assert.match(refusal({ url: 'file:///etc/passwd' }), /^refused: scheme file:/);
    assert.equal(refusal({ url: `${HOST}/api/`, method: 'trace' }), 'refused: method TRACE is not allowed (browsers forbid it)');
    assert.match(refusal({ url: '/api/me' }), /^refused: not an absolute URL \(it needs a scheme/);
    assert.equal(refusal({ url: 'https://u:p@x.test/' }), 'refused: url contains credentials');
    assert.equal(refusal({ url: 42 }), 'refused: url must be a string');
    assert.match(refusal(request({ method: 'GET /x' })), /method/);
    assert.match(refusal(request({ method: 7 })), /method/);
    assert.match(refusal(request({ headers: 'Accept: */*' })), /headers must be an object/);
    assert.match(refusal(request({ headers: { 'Bad Name': 'x' } })), /invalid header name/);
    assert.match(refusal(request({ headers: { X: 'a\r\nInjected: 1' } })), /CR, LF or NUL/);
    assert.match(refusal(request({ headers: { X: 1 } })), /must be a string/);
    assert.match(refusal(request({ method: 'POST', body: { a: 1 } })), /body must be a string/);
    assert.equal(refusal(request({ body: 'x' })), 'refused: a GET request cannot have a body');
    assert.equal(refusal(request({ method: 'head', body: 'x' })), 'refused: a HEAD request cannot have a body');
  });
});

describe('normalizeResponse', () => {
  it('accepts a response and fills in defaults', () => {
    assert.deepEqual(normalizeResponse({ status: 404 }), { status: 404, statusText: '', headers: {}, body: null });
  });
  it('rejects what is not one', () => {
    for (const raw of [null, [], 'x', { status: 99.5 }, { status: 1000 }, { status: -1 }, { status: 200, statusText: 1 }]) {
      assert.equal(normalizeResponse(raw), null, JSON.stringify(raw));
    }
  });
});

describe('FetchBroker routing', () => {
  it('auto goes through the host when data was received or is awaited', async () => {
    for (const state of ['received', 'waiting'] as HostState[]) {
      const host = new FakeHost(state);
      const page = fakeFetch();
      const broker = new FetchBroker({ host, fetch: page.fetch, timeout: () => 1234 });
      assert.deepEqual(await broker.fetch(request(), 'auto'), {
        ok: true,
        via: 'host',
        response: { status: 200, statusText: 'OK', headers: {}, body: 'from host' }
      });
      assert.deepEqual(host.calls, [[{ url: `${HOST}/api/me`, method: 'GET', headers: { Accept: 'application/json' }, body: null }, 1234]]);
      assert.equal(page.calls.length, 0);
    }
  });

  it('auto goes through the page when standalone or the host is silent (none); so does a missing via', async () => {
    for (const state of ['standalone', 'none'] as HostState[]) {
      const host = new FakeHost(state);
      const page = fakeFetch();
      const broker = new FetchBroker({ host, fetch: page.fetch, timeout: () => 1000 });
      const result = await broker.fetch(request(), state === 'none' ? undefined : 'auto');
      assert.equal(result.ok, true);
      assert.equal((result as { via: string }).via, 'page');
      assert.equal(host.calls.length, 0);
    }
  });

  it('via page uses the page even with a host; via host fails without one', async () => {
    const host = new FakeHost('received');
    const page = fakeFetch();
    const broker = new FetchBroker({ host, fetch: page.fetch, timeout: () => 1000 });
    assert.equal(((await broker.fetch(request(), 'page')) as { via: string }).via, 'page');
    assert.equal(host.calls.length, 0);

    for (const noHost of [new FakeHost('standalone'), null]) {
      const lonely = new FetchBroker({ host: noHost, fetch: page.fetch, timeout: () => 1000 });
      const result = await lonely.fetch(request(), 'host');
      assert.equal(result.ok, false);
      assert.match((result as { error: string }).error, /^no host: .*allowedHostOrigins/);
    }
  });

  it('via host with a silent host (none) still asks it', async () => {
    const host = new FakeHost('none');
    const broker = new FetchBroker({ host, fetch: fakeFetch().fetch, timeout: () => 1000 });
    assert.equal(((await broker.fetch(request(), 'host')) as { via: string }).via, 'host');
  });

  it('refuses an unknown via and invalid requests without fetching', async () => {
    const host = new FakeHost('received');
    const page = fakeFetch();
    const broker = new FetchBroker({ host, fetch: page.fetch, timeout: () => 1000 });
    assert.deepEqual(await broker.fetch(request(), 'teleport'), {
      ok: false,
      error: 'refused: via must be "auto", "host" or "page"'
    });
    assert.deepEqual(await broker.fetch(request({ url: 'javascript:1' }), 'page'), {
      ok: false,
      error: 'refused: scheme javascript: is not http: or https:'
    });
    assert.equal(host.calls.length + page.calls.length, 0);
  });

  it('passes host refusals and errors on; a throwing host becomes a host error', async () => {
    const host = new FakeHost('received', { ok: false, error: 'host refused: not served' });
    const broker = new FetchBroker({ host, fetch: fakeFetch().fetch, timeout: () => 1000 });
    assert.deepEqual(await broker.fetch(request()), { ok: false, error: 'host refused: not served' });
    host.fetch = () => Promise.reject(new TypeError('bug'));
    assert.deepEqual(await broker.fetch(request()), { ok: false, error: 'host error: TypeError: bug' });
  });
});

describe('FetchBroker page fetch', () => {
  it('omits credentials, sends method/headers/body, returns text and a header object', async () => {
    const page = fakeFetch();
    const broker = new FetchBroker({ fetch: page.fetch, timeout: () => 1000 });
    const result = await broker.fetch(
      request({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"a":1}' }),
      'page'
    );
    assert.deepEqual(result, {
      ok: true,
      via: 'page',
      response: {
        status: 203,
        statusText: 'Partial',
        headers: { 'content-type': 'text/plain', 'x-thing': 'a' },
        body: 'from page'
      }
    });
    const [url, init] = page.calls[0];
    assert.equal(url, `${HOST}/api/me`);
    assert.equal(init.credentials, 'omit');
    assert.equal(init.method, 'POST');
    assert.deepEqual(init.headers, { 'Content-Type': 'application/json' });
    assert.equal(init.body, '{"a":1}');
    assert.ok(init.signal instanceof AbortSignal);
  });

  it('reports a network failure as a network error naming the origin', async () => {
    const page = fakeFetch(() => Promise.reject(new TypeError('Failed to fetch')));
    const broker = new FetchBroker({ fetch: page.fetch, timeout: () => 1000 });
    const result = await broker.fetch(request(), 'page');
    assert.equal(result.ok, false);
    assert.match((result as { error: string }).error, /^network error: TypeError: Failed to fetch \(GET https:\/\/platform\.example\.org: .*CORS/);
  });

  it('times out a hanging fetch with a timeout error', async () => {
    const page = fakeFetch(
      (_, init) =>
        new Promise((_resolve, reject) =>
          init.signal!.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')))
        )
    );
    const broker = new FetchBroker({ fetch: page.fetch, timeout: () => 20 });
    assert.deepEqual(await broker.fetch(request(), 'page'), {
      ok: false,
      error: 'timeout: no response from https://platform.example.org within 20 ms'
    });
  });

  it('works against a real HTTP server with the runtime fetch', async () => {
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', chunk => (body += chunk));
      req.on('end', () => {
        res.writeHead(418, 'Teapot', { 'Content-Type': 'application/json', 'X-Echo-Cookie': String(req.headers.cookie ?? '') });
        res.end(JSON.stringify({ method: req.method, body, accept: req.headers.accept }));
      });
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const broker = new FetchBroker({ timeout: () => 5000 });
      const result = await broker.fetch(
        { url: `http://127.0.0.1:${port}/x`, method: 'PUT', headers: { Accept: 'text/x-test' }, body: 'payload ü' },
        'auto'
      );
      assert.equal(result.ok, true);
      const response = (result as { response: { status: number; statusText: string; headers: Record<string, string>; body: string } }).response;
      assert.equal(response.status, 418);
      assert.equal(response.statusText, 'Teapot');
      assert.equal(response.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(response.body), { method: 'PUT', body: 'payload ü', accept: 'text/x-test' });
    } finally {
      server.close();
    }
  });
});

describe('FetchBroker through a real HostBridge', () => {
  /** A window whose parent answers fetches as scripted. */
  function embedded(answer: (payload: { id: string; request: IFetchRequest }) => unknown | undefined) {
    const listeners = new Set<MessageListener>();
    const parent = {
      postMessage(message: { action: string; payload: { id: string; request: IFetchRequest } }, targetOrigin: string) {
        assert.equal(targetOrigin, HOST);
        if (message.action !== 'fetch') {
          return;
        }
        const reply = answer(structuredClone(message.payload));
        if (reply !== undefined) {
          const event: IMessageEventLike = { source: parent, origin: HOST, data: { type: FROM_HOST, action: 'fetch-result', payload: reply } };
          setTimeout(() => listeners.forEach(listener => listener(event)), 1);
        }
      }
    };
    const win: IWindowLike = {
      parent,
      location: { ancestorOrigins: [HOST] },
      document: { referrer: '' },
      addEventListener: (_, listener) => listeners.add(listener),
      removeEventListener: (_, listener) => listeners.delete(listener)
    };
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined };
    const bridge = new HostBridge({ window: win, log: quiet });
    bridge.start({ allowedHostOrigins: [HOST], hostDataTimeout: 10000, hostFetchTimeout: 30000 });
    return bridge;
  }

  it('host path: the host performs it', async () => {
    const bridge = embedded(({ id, request }) => ({
      id,
      response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: request.url }) }
    }));
    const broker = new FetchBroker({ host: bridge, fetch: () => Promise.reject(new Error('page used')), timeout: () => 1000 });
    assert.deepEqual(await broker.fetch(request(), 'auto'), {
      ok: true,
      via: 'host',
      response: { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json' }, body: `{"url":"${HOST}/api/me"}` }
    });
    bridge.dispose();
  });

  it("the host's own failed fetch is a host network error, not a refusal", async () => {
    const bridge = embedded(({ id }) => ({ id, error: 'network error: Failed to fetch (a redirect, ...)' }));
    const broker = new FetchBroker({ host: bridge, timeout: () => 1000 });
    assert.deepEqual(await broker.fetch(request(), 'host'), {
      ok: false,
      error: 'host network error: Failed to fetch (a redirect, ...)'
    });
    bridge.dispose();
  });

  it('refusal and timeout give distinct reasons', async () => {
    const bridge = embedded(({ id, request }) =>
      request.url.includes('/api/') ? undefined : { id, error: 'only /api/ is served' }
    );
    const broker = new FetchBroker({ host: bridge, timeout: () => 30 });
    assert.deepEqual(await broker.fetch(request({ url: `${HOST}/admin` }), 'host'), {
      ok: false,
      error: 'host refused: only /api/ is served'
    });
    assert.deepEqual(await broker.fetch(request(), 'host'), {
      ok: false,
      error: 'host timeout: the host did not answer within 30 ms'
    });
    bridge.dispose();
  });
});
