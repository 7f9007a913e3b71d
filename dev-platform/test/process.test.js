// The command-line entry points as separate processes: server.js and tools/approve.js.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { deviceAuthorization, platform, pollToken } from './helpers.js';

const SERVER = fileURLToPath(new URL('../server.js', import.meta.url));
const APPROVE = fileURLToPath(new URL('../tools/approve.js', import.meta.url));

function run(script, args, env = {}) {
  const child = spawn(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const done = once(child, 'exit').then(([code, signal]) => ({ code, signal, stdout, stderr }));
  return { child, done, output: () => stdout };
}

async function readyLine(proc) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const line = proc.output().split('\n').find((l) => l.startsWith('dev-platform ready'));
    if (line) return line;
    await new Promise((resolve) => { setTimeout(resolve, 20); });
  }
  throw new Error('server did not become ready');
}

describe('server.js', () => {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    test(`prints one ready line, serves, and exits 0 on ${signal}`, async () => {
      const proc = run(SERVER, [], { PLATFORM_PORT: '0', SITE_PORT: '0' });
      const line = await readyLine(proc);
      const issuer = line.match(/issuer=(\S+)/)[1];
      assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+\/oidc$/);
      assert.match(line, /api=http:\/\/127\.0\.0\.1:\d+\/api\//);
      const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
      assert.equal(meta.issuer, issuer);
      proc.child.kill(signal);
      const { code, stdout } = await proc.done;
      assert.equal(code, 0);
      assert.equal(stdout.split('\n').filter((l) => l.startsWith('dev-platform ready')).length, 1);
    });
  }

  const invalid = {
    ACCESS_TOKEN_TTL: 'abc',
    REFRESH_TOKEN_TTL: '-5',
    POLL_INTERVAL: '-1',
    DEVICE_CODE_TTL: '0',
    CLOCK_TOLERANCE: '1.5',
    PLATFORM_PORT: '70000',
    SITE_ORIGIN: 'not a url',
    SITE_DIR: '/nonexistent/dev-platform-site',
  };
  describe('invalid environment', { concurrency: true }, () => {
    for (const [name, value] of Object.entries(invalid)) {
      test(`${name}=${value} -> exits at start with a message naming ${name}`, async () => {
        const { code, stderr, stdout } = await run(SERVER, [], { PLATFORM_PORT: '0', SITE_PORT: '0', [name]: value }).done;
        assert.equal(code, 2);
        assert.match(stderr, new RegExp(`invalid configuration: ${name}:`));
        assert.equal(stdout, '');
      });
    }
  });
});

describe('tools/approve.js', () => {
  let p;
  before(async () => { p = await platform({ POLL_INTERVAL: 0 }); });
  after(() => p.close());

  test('approves a user code: prints "approved", exit 0, tokens follow', async () => {
    const auth = await deviceAuthorization(p);
    const { code, stdout } = await run(APPROVE, [auth.user_code, '--platform', p.urls.platform]).done;
    assert.equal(code, 0);
    assert.equal(stdout, 'approved\n');
    assert.equal((await pollToken(p, auth.device_code)).status, 200);
  });

  test('--deny on a verification_uri_complete: prints "denied", exit 0, poll says access_denied', async () => {
    const auth = await deviceAuthorization(p);
    const { code, stdout } = await run(APPROVE, [auth.verification_uri_complete, '--deny']).done;
    assert.equal(code, 0);
    assert.equal(stdout, 'denied\n');
    assert.equal((await pollToken(p, auth.device_code)).body.error, 'access_denied');
  });

  test('exit codes: 3 unknown code, 4 wrong password, 2 usage, 1 nothing listening', async () => {
    const unknown = await run(APPROVE, ['BCDF-GHJK', `--platform=${p.urls.platform}`]).done;
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /not valid/);

    const auth = await deviceAuthorization(p);
    const wrong = await run(APPROVE, [auth.user_code, '--platform', p.urls.platform, '--password', 'nope']).done;
    assert.equal(wrong.code, 4);
    assert.match(wrong.stderr, /Wrong email or password/);

    assert.equal((await run(APPROVE, []).done).code, 2);
    assert.equal((await run(APPROVE, ['A', '--bogus']).done).code, 2);
    assert.equal((await run(APPROVE, ['BCDF-GHJK', '--platform', 'http://127.0.0.1:1']).done).code, 1);
  });
});
