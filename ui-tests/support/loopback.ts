/**
 * Which URLs a test may load: loopback only (127.0.0.0/8, localhost, [::1]),
 * plus data:, blob: and about: URLs, plus hosts named in env GUARD_ALLOW_HOSTS
 * (comma-separated host names, e.g. a test host in a network namespace).
 */

export const EXTRA_ALLOWED_HOSTS: string[] = (process.env.GUARD_ALLOW_HOSTS || '')
  .split(',')
  .map((h) => h.trim().toLowerCase())
  .filter(Boolean);

const LOCAL_SCHEMES = new Set(['data:', 'blob:', 'about:']);
const NETWORK_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:']);

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return true;
  if (host === '[::1]' || host === '::1') return true;
  // IPv4-mapped IPv6 of 127.0.0.0/8, as the URL parser writes it: [::ffff:7fxx:xxxx]
  if (/^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(host)) return true;
  return false;
}

/** True when loading `url` cannot leave this machine. */
export function isAllowedUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (LOCAL_SCHEMES.has(parsed.protocol)) return true;
  if (!NETWORK_SCHEMES.has(parsed.protocol)) return false;
  const host = parsed.hostname.toLowerCase();
  return isLoopbackHost(host) || EXTRA_ALLOWED_HOSTS.includes(host);
}
