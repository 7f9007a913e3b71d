import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Broker, checkOpenUrl, MAX_URL_LENGTH } from '../../src/broker';

function refused(url: unknown): string {
  const check = checkOpenUrl(url);
  assert.equal(check.ok, false, `expected ${JSON.stringify(url)} to be refused`);
  return (check as { reason: string }).reason;
}

function accepted(url: string): string {
  const check = checkOpenUrl(url);
  assert.equal(check.ok, true, `expected ${JSON.stringify(url)} to be accepted`);
  return (check as { href: string }).href;
}

describe('checkOpenUrl', () => {
  it('accepts absolute http and https URLs', () => {
    assert.equal(accepted('https://example.com/device'), 'https://example.com/device');
    assert.equal(
      accepted('http://127.0.0.1:8000/oidc/device?user_code=ABCD-EFGH'),
      'http://127.0.0.1:8000/oidc/device?user_code=ABCD-EFGH'
    );
  });

  it('accepts an uppercase scheme and opens the normalised URL', () => {
    assert.equal(accepted('HTTPS://Example.COM/Path'), 'https://example.com/Path');
    assert.equal(accepted('HtTp://example.com'), 'http://example.com/');
  });

  it('refuses javascript: in any spelling', () => {
    assert.match(refused('javascript:alert(1)'), /^refused: scheme javascript:/);
    assert.match(refused('JavaScript:alert(1)'), /^refused: scheme javascript:/);
    // The URL parser drops tabs and newlines inside the scheme.
    assert.match(refused('java\tscript:alert(1)'), /^refused: scheme javascript:/);
    assert.match(refused(' javascript:alert(1)'), /^refused: scheme javascript:/);
  });

  it('refuses data:, blob:, file:, ftp: and other schemes', () => {
    assert.match(refused('data:text/html,<script>alert(1)</script>'), /^refused: scheme data:/);
    assert.match(refused('blob:https://example.com/uuid'), /^refused: scheme blob:/);
    assert.match(refused('file:///etc/passwd'), /^refused: scheme file:/);
    assert.match(refused('ftp://example.com/file'), /^refused: scheme ftp:/);
    assert.match(refused('ws://example.com/'), /^refused: scheme ws:/);
    assert.match(refused('mailto:someone@example.com'), /^refused: scheme mailto:/);
  });

  it('refuses relative and scheme-relative references', () => {
    for (const url of ['/oidc/device', 'device', '//evil.example/x', '?a=1', '#x', '']) {
      assert.equal(refused(url), 'refused: not an absolute URL (it needs a scheme, such as https://)', url);
    }
  });

  it('refuses URLs with credentials', () => {
    assert.equal(refused('https://user:pass@example.com/'), 'refused: url contains credentials');
    assert.equal(refused('https://user@example.com/'), 'refused: url contains credentials');
    assert.equal(refused('https://:pass@example.com/'), 'refused: url contains credentials');
  });

  it('handles whitespace: trims the ends, refuses it inside the host', () => {
    // Leading/trailing spaces are stripped by the URL parser; the normalised
    // href (without them) is what would be opened.
    assert.equal(accepted('  https://example.com/a  '), 'https://example.com/a');
    assert.equal(accepted('\nhttps://example.com/a\t'), 'https://example.com/a');
    assert.match(refused('https://exa mple.com/'), /^refused: not a valid URL \(check the host name/);
    assert.match(refused('   '), /^refused: not an absolute URL/);
  });

  it('names a bad port rather than calling the URL relative', () => {
    assert.equal(refused('https://example.com:99999/x'), 'refused: port "99999" is not a number from 0 to 65535');
    assert.equal(refused(' http://example.com:80a/'), 'refused: port "80a" is not a number from 0 to 65535');
    assert.equal(refused('https://u@[::1]:70000/'), 'refused: port "70000" is not a number from 0 to 65535');
    assert.equal(accepted('https://[::1]:8080/'), 'https://[::1]:8080/');
  });

  it('refuses non-strings and overlong URLs', () => {
    for (const url of [undefined, null, 42, {}, ['https://example.com/']]) {
      assert.equal(refused(url), 'refused: url must be a string');
    }
    const long = 'https://example.com/' + 'a'.repeat(MAX_URL_LENGTH);
    assert.equal(refused(long), 'refused: url too long');
  });
});

describe('Broker.open', () => {
  it('opens allowed URLs in a new tab and cuts the opener', () => {
    const calls: [string, string][] = [];
    const fakeWindow = { opener: 'the page', closed: false, focus: () => undefined };
    const broker = new Broker((url, target) => {
      calls.push([url, target]);
      return fakeWindow;
    });
    assert.deepEqual(broker.open('https://example.com/device'), { opened: true });
    assert.deepEqual(calls, [['https://example.com/device', '_blank']]);
    assert.equal((fakeWindow as unknown as { opener: unknown }).opener, null);
  });

  it('reports a popup blocker as blocked', () => {
    const broker = new Broker(() => null);
    assert.deepEqual(broker.open('https://example.com/'), { opened: false, reason: 'blocked' });
  });

  it('treats a throwing window.open as blocked', () => {
    const broker = new Broker(() => {
      throw new Error('SecurityError');
    });
    const warn = console.warn;
    console.warn = () => undefined;
    try {
      assert.deepEqual(broker.open('https://example.com/'), { opened: false, reason: 'blocked' });
    } finally {
      console.warn = warn;
    }
  });

  it('never calls window.open for refused URLs', () => {
    let called = false;
    const broker = new Broker(() => {
      called = true;
      return null;
    });
    const result = broker.open('javascript:alert(1)');
    assert.equal(result.opened, false);
    assert.match(result.reason ?? '', /^refused: /);
    assert.equal(called, false);
  });

  it('opens one tab per sign-in: a second open focuses the first', () => {
    let opens = 0;
    let focused = 0;
    const tab = { opener: null as unknown, closed: false, focus: () => void focused++ };
    const broker = new Broker(() => {
      opens++;
      return tab;
    });
    const flow = '0123456789abcdef';
    assert.deepEqual(broker.open('https://example.com/device', flow), { opened: true });
    assert.deepEqual(broker.open('https://example.com/device', flow), {
      opened: true,
      reason: 'already open'
    });
    assert.equal(opens, 1);
    assert.equal(focused, 1);
    tab.closed = true; // the user closed it: the next click opens a new one
    assert.deepEqual(broker.open('https://example.com/device', flow), { opened: true });
    assert.equal(opens, 2);
  });

  it('keeps different sign-ins apart and ignores malformed flow names', () => {
    let opens = 0;
    const broker = new Broker(() => {
      opens++;
      return { opener: null, closed: false, focus: () => undefined };
    });
    broker.open('https://example.com/', 'aaaaaaaaaaaaaaaa');
    broker.open('https://example.com/', 'bbbbbbbbbbbbbbbb');
    broker.open('https://example.com/', 'not a flow');
    broker.open('https://example.com/', 'not a flow');
    broker.open('https://example.com/', { flow: 1 });
    assert.equal(opens, 5);
  });

  it('does not remember a blocked tab', () => {
    let next: { opener: unknown; closed: boolean; focus(): void } | null = null;
    const broker = new Broker(() => next);
    const flow = 'cccccccccccccccc';
    assert.deepEqual(broker.open('https://example.com/', flow), { opened: false, reason: 'blocked' });
    next = { opener: null, closed: false, focus: () => undefined };
    assert.deepEqual(broker.open('https://example.com/', flow), { opened: true });
  });
});
