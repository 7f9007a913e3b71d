import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { platform } from './helpers.js';

// Sends the path exactly as written (fetch would normalise "..").
function rawGet(base, path) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static site (SITE_DIR)', () => {
  let p;
  let dir;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dev-platform-site-'));
    const site = join(dir, 'site');
    const files = {
      'index.html': '<!doctype html><title>lite</title>',
      'lab/index.html': '<!doctype html><title>lab</title>',
      'build/kernel.wasm': Buffer.from([0, 97, 115, 109]),
      'build/module.mjs': 'export {}',
      'build/bundle.js': 'void 0',
      'build/style.css': 'body{}',
      'api/contents/all.json': '{}',
      'pypi/pkg-1.0-py3-none-any.whl': 'PK',
      'pypi/archive.zip': 'PK',
      'icons/logo.svg': '<svg/>',
      'favicon.ico': 'ico',
      'empty/.keep': '',
    };
    for (const [name, content] of Object.entries(files)) {
      mkdirSync(join(site, name, '..'), { recursive: true });
      writeFileSync(join(site, name), content);
    }
    writeFileSync(join(dir, 'secret.txt'), 'outside the site');
    p = await platform({ SITE_DIR: site });
  });
  after(async () => {
    await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the site is served on its own origin, which is the CORS origin', () => {
    assert.ok(p.urls.site);
    assert.equal(p.urls.siteOrigin, new URL(p.urls.site).origin);
    assert.notEqual(new URL(p.urls.site).port, new URL(p.urls.platform).port);
  });

  test('MIME types', async () => {
    const expected = {
      'build/kernel.wasm': 'application/wasm',
      'build/module.mjs': 'text/javascript',
      'build/bundle.js': 'text/javascript',
      'build/style.css': 'text/css',
      'api/contents/all.json': 'application/json',
      'pypi/pkg-1.0-py3-none-any.whl': 'application/octet-stream',
      'pypi/archive.zip': 'application/zip',
      'icons/logo.svg': 'image/svg+xml',
      'favicon.ico': 'image/x-icon',
      'index.html': 'text/html',
    };
    for (const [path, type] of Object.entries(expected)) {
      const response = await fetch(new URL(path, p.urls.site));
      assert.equal(response.status, 200, path);
      assert.equal(response.headers.get('content-type').split(';')[0], type, path);
      await response.arrayBuffer();
    }
  });

  test('directories serve index.html (after a slash redirect); no listings; 404 otherwise', async () => {
    const root = await fetch(p.urls.site);
    assert.equal(await root.text(), '<!doctype html><title>lite</title>');
    const noSlash = await fetch(new URL('lab', p.urls.site), { redirect: 'manual' });
    assert.equal(noSlash.status, 301);
    assert.equal(noSlash.headers.get('location'), '/lab/');
    assert.equal(await (await fetch(new URL('lab/', p.urls.site))).text(), '<!doctype html><title>lab</title>');
    assert.equal((await fetch(new URL('empty/', p.urls.site))).status, 404);
    assert.equal((await fetch(new URL('nope.js', p.urls.site))).status, 404);
    assert.equal((await fetch(new URL('index.html', p.urls.site), { method: 'POST' })).status, 405);
  });

  test('path traversal cannot leave the site directory', async () => {
    for (const path of [
      '/../secret.txt', '/build/../../secret.txt', '/%2e%2e/secret.txt', '/%2E%2E%2Fsecret.txt',
      '/..%2fsecret.txt', '/..%5csecret.txt', '/build/%2e%2e/%2e%2e/secret.txt', '/%00', '/index.html%00.js',
      '//../secret.txt',
    ]) {
      const response = await rawGet(p.urls.site, path);
      assert.equal(response.status, 404, path);
      assert.ok(!response.body.includes('outside the site'), path);
    }
    const redirect = await rawGet(p.urls.site, '//evil.example/lab');
    assert.ok(!String(redirect.headers.location ?? '').startsWith('//'));
  });
});
