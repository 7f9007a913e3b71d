// Reads the platform's settings from an environment-like object and rejects bad values at start,
// so a typo in a test's environment fails loudly instead of running with a silent default.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';

export class ConfigError extends Error {
  constructor(variable, message) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

// Every supported variable with its default; TTLs and intervals are whole seconds.
export const DEFAULTS = Object.freeze({
  PLATFORM_PORT: 8700,
  SITE_PORT: 8701,
  ACCESS_TOKEN_TTL: 1800,
  ID_TOKEN_TTL: 3600,
  REFRESH_TOKEN_TTL: 14 * 24 * 3600,
  DEVICE_CODE_TTL: 600,
  POLL_INTERVAL: 5,
  SLOW_DOWN_POLLS: 0,
  CLOCK_TOLERANCE: 0,
  DEV_ACCOUNT_ID: 'dev-account-0001',
  DEV_AUTH_TOKEN: 'dev-auth-token',
});

// An unset or empty variable means "use the default" (shell scripts often export VAR= to clear one).
function raw(env, name) {
  const value = env[name];
  if (value === undefined || value === null || value === '') return undefined;
  return String(value).trim();
}

function integer(env, name, { min, max = Number.MAX_SAFE_INTEGER }) {
  const value = raw(env, name);
  if (value === undefined) return DEFAULTS[name];
  if (!/^-?\d+$/.test(value)) {
    throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(value)}`);
  }
  const number = Number(value);
  if (number < min || number > max) {
    throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got ${value}`);
  }
  return number;
}

function text(env, name) {
  return raw(env, name) ?? DEFAULTS[name];
}

function origin(env, name, fallback) {
  const value = raw(env, name);
  if (value === undefined) return fallback;
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `expected an origin such as http://127.0.0.1:8701, got ${JSON.stringify(value)}`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || url.origin !== value.replace(/\/$/, '')) {
    throw new ConfigError(name, `expected a bare http(s) origin (scheme://host[:port], no path), got ${JSON.stringify(value)}`);
  }
  return url.origin;
}

function directory(env, name) {
  const value = raw(env, name);
  if (value === undefined) return undefined;
  // Relative to where the command was typed: npm --prefix changes the working directory but
  // keeps the original one in INIT_CWD.
  const path = resolve(raw(env, 'INIT_CWD') ?? process.cwd(), value);
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new ConfigError(name, `directory ${path} does not exist`);
  }
  if (!stat.isDirectory()) throw new ConfigError(name, `${path} is not a directory`);
  return path;
}

// Returns a frozen config object. Ports may be 0 (the OS picks one; tests use that).
export function readConfig(env = {}) {
  const sitePort = integer(env, 'SITE_PORT', { min: 0, max: 65535 });
  return Object.freeze({
    platformPort: integer(env, 'PLATFORM_PORT', { min: 0, max: 65535 }),
    sitePort,
    // Resolved after listening when SITE_PORT is 0; see platform.js.
    siteOrigin: origin(env, 'SITE_ORIGIN', undefined),
    siteDir: directory(env, 'SITE_DIR'),
    accessTokenTtl: integer(env, 'ACCESS_TOKEN_TTL', { min: 1 }),
    idTokenTtl: integer(env, 'ID_TOKEN_TTL', { min: 1 }),
    refreshTokenTtl: integer(env, 'REFRESH_TOKEN_TTL', { min: 1 }),
    deviceCodeTtl: integer(env, 'DEVICE_CODE_TTL', { min: 1 }),
    pollInterval: integer(env, 'POLL_INTERVAL', { min: 0, max: 3600 }),
    slowDownPolls: integer(env, 'SLOW_DOWN_POLLS', { min: 0, max: 100 }),
    clockTolerance: integer(env, 'CLOCK_TOLERANCE', { min: 0, max: 3600 }),
    devAccountId: text(env, 'DEV_ACCOUNT_ID'),
    devAuthToken: text(env, 'DEV_AUTH_TOKEN'),
  });
}
