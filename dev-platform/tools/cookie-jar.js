// A minimal browser-like cookie jar for tools/approve.js: one host, honours Path, Max-Age and
// Expires, ignores Domain (every request goes to the same platform origin).
export class CookieJar {
  #cookies = new Map(); // "path|name" -> { name, value, path, expiresAt }

  // Takes the Set-Cookie headers of a response to `url`.
  store(url, setCookies) {
    const requestPath = new URL(url).pathname;
    const defaultPath = requestPath.slice(0, requestPath.lastIndexOf('/')) || '/';
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq < 1) continue;
      const cookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: defaultPath, expiresAt: Infinity };
      for (const attribute of attributes) {
        const [key, ...rest] = attribute.split('=');
        const value = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (value.startsWith('/')) cookie.path = value;
            break;
          case 'max-age':
            cookie.expiresAt = Date.now() + Number(value) * 1000;
            break;
          case 'expires':
            if (cookie.expiresAt === Infinity) cookie.expiresAt = Date.parse(value);
            break;
          default:
        }
      }
      const id = `${cookie.path}|${cookie.name}`;
      if (cookie.expiresAt <= Date.now()) this.#cookies.delete(id);
      else this.#cookies.set(id, cookie);
    }
  }

  // The Cookie header for a request to `url` (longest path first, as browsers send them).
  header(url) {
    const path = new URL(url).pathname;
    const now = Date.now();
    const matching = [...this.#cookies.values()]
      .filter((c) => c.expiresAt > now)
      .filter((c) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .sort((a, b) => b.path.length - a.path.length);
    return matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }
}
