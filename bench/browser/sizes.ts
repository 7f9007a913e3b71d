/**
 * Item 4, what we ship: the distribution wheel, the kernel wheel piplite installs at every kernel
 * start, and our labextension's JavaScript as the site serves it (bytes, and gzip -9 since a
 * production server would compress it).
 */
import * as fs from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface FileSize {
  file: string;
  bytes: number;
  gzip: number;
}

export interface Sizes {
  distWheel: FileSize;
  kernelWheel: FileSize;
  labextensionJs: { total: { bytes: number; gzip: number }; loadedAtStart: { bytes: number; gzip: number }; files: FileSize[] };
}

function sizeOf(path: string): FileSize {
  const data = fs.readFileSync(path);
  return { file: basename(path), bytes: data.length, gzip: gzipSync(data, { level: 9 }).length };
}

function only(dir: string, pattern: RegExp): string {
  const found = fs.readdirSync(dir).filter((f) => pattern.test(f));
  if (found.length !== 1) throw new Error(`expected one ${pattern} in ${dir}, found ${found.join(', ') || 'none'}`);
  return join(dir, found[0]);
}

/** Bytes of the distinct JavaScript files among `paths` (URL paths of a site served from `site`). */
export function javascriptBytes(site: string, paths: string[]): number {
  const files = new Set(paths.filter((p) => /\.m?js$/.test(p)));
  let total = 0;
  for (const path of files) {
    const file = join(site, decodeURIComponent(path));
    if (fs.existsSync(file)) total += fs.statSync(file).size;
  }
  return total;
}

function version(root: string): string {
  const text = fs.readFileSync(join(root, 'py', 'jupyterlite_auth', '_version.py'), 'utf-8');
  const match = text.match(/__version__ = "(.+)"/);
  if (!match) throw new Error('no __version__ in py/jupyterlite_auth/_version.py');
  return match[1];
}

/** `site`: the built site with the extension; `loaded`: paths the browser fetched from our extension. */
export function measureSizes(root: string, site: string, loaded: string[]): Sizes {
  const ext = join(site, 'extensions', 'jupyterlite-auth', 'static');
  const files = fs.readdirSync(ext).filter((f) => f.endsWith('.js')).sort().map((f) => sizeOf(join(ext, f)));
  const sum = (list: FileSize[]) => ({ bytes: list.reduce((a, f) => a + f.bytes, 0), gzip: list.reduce((a, f) => a + f.gzip, 0) });
  const loadedNames = new Set(loaded.map((p) => basename(p)));
  return {
    distWheel: sizeOf(join(root, 'dist', `jupyterlite_auth-${version(root)}-py3-none-any.whl`)),
    kernelWheel: sizeOf(only(join(ext, 'pypi'), /\.whl$/)),
    labextensionJs: { total: sum(files), loadedAtStart: sum(files.filter((f) => loadedNames.has(f.file))), files },
  };
}
