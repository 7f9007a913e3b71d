// Serves a built JupyterLite site (SITE_DIR) as plain static files: the right MIME types for
// WebAssembly, modules and wheels, index.html for directories, no listings, nothing outside the root.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';

import { sendText } from './http-util.js';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.ipynb': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.whl': 'application/octet-stream',
  '.zip': 'application/zip',
  '.tar': 'application/x-tar',
  '.gz': 'application/gzip',
  '.data': 'application/octet-stream',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.py': 'text/x-python; charset=utf-8',
  '.xml': 'application/xml',
  '.webmanifest': 'application/manifest+json',
};

export function contentType(path) {
  return TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

// Maps a URL path to a file under root, or undefined when the path could leave it. Checked on the
// decoded path: "..", "%2e%2e", backslashes and NUL never get near the file system.
export function resolveInside(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/');
  if (segments.some((segment) => segment === '..')) return undefined;
  const file = resolve(join(root, ...segments));
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  return file;
}

export function createStaticSite(rootDir) {
  const root = resolve(rootDir);

  async function sendFile(req, res, file, info) {
    res.writeHead(200, {
      'Content-Type': contentType(file),
      'Content-Length': info.size,
      'Last-Modified': info.mtime.toUTCString(),
      // A dev server: always revalidate, so a rebuilt site is picked up on reload.
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise((done) => {
      const stream = createReadStream(file);
      stream.on('error', () => res.destroy());
      res.on('close', () => {
        stream.destroy();
        done();
      });
      stream.pipe(res);
    });
  }

  return async function handle(req, res) {
    if (!['GET', 'HEAD'].includes(req.method)) {
      sendText(res, 405, 'method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    // Concatenated, not resolved: a request path like //host/x must stay a path.
    const url = new URL(`http://site.invalid${req.url}`);
    const file = resolveInside(root, url.pathname);
    if (!file) {
      sendText(res, 404, 'not found\n');
      return;
    }
    let info = await stat(file).catch(() => undefined);
    if (info?.isDirectory()) {
      // Relative URLs inside index.html (JupyterLite's ../build/...) need the trailing slash.
      if (!url.pathname.endsWith('/')) {
        // One leading slash, so the redirect can never be read as //other-host/.
        const location = `/${url.pathname.replace(/^\/+/, '')}/${url.search}`;
        res.writeHead(301, { Location: location, 'Content-Length': 0 });
        res.end();
        return;
      }
      const index = join(file, 'index.html');
      info = await stat(index).catch(() => undefined);
      if (info?.isFile()) {
        await sendFile(req, res, index, info);
        return;
      }
      sendText(res, 404, 'not found\n');
      return;
    }
    if (!info?.isFile()) {
      sendText(res, 404, 'not found\n');
      return;
    }
    await sendFile(req, res, file, info);
  };
}
