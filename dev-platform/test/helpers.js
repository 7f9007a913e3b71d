// Shared helpers for the tests: a real platform on ephemeral ports and small OAuth client calls.
import { startPlatform } from '../src/platform.js';

export const CLIENT_ID = 'cli-device-client';
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
export const ALL_SCOPES = 'openid profile email offline_access';

// Starts a platform on free ports; `env` uses the environment variable names.
export async function platform(env = {}) {
  return startPlatform({ PLATFORM_PORT: 0, SITE_PORT: 0, ...env }, { log: () => {} });
}

export async function form(url, fields, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, headers: response.headers, body };
}

export async function deviceAuthorization(p, scope = ALL_SCOPES, headers = {}) {
  const { status, body } = await form(p.urls.deviceAuthorization, { client_id: CLIENT_ID, scope }, headers);
  if (status !== 200) throw new Error(`device authorization failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export function pollToken(p, deviceCode, headers = {}) {
  return form(p.urls.token, { client_id: CLIENT_ID, grant_type: DEVICE_GRANT, device_code: deviceCode }, headers);
}

export function refresh(p, refreshToken) {
  return form(p.urls.token, { client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken });
}

export function revoke(p, token, hint) {
  const fields = { client_id: CLIENT_ID, token };
  if (hint) fields.token_type_hint = hint;
  return form(`${p.urls.issuer}/token/revocation`, fields);
}

export async function apiGet(p, path, headers = {}) {
  const response = await fetch(new URL(path, p.urls.api), { headers });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

export const bearer = (token) => ({ Authorization: `Bearer ${token}` });

export const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

export function decodeJwt(jwt) {
  const [header, payload] = jwt.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url')));
  return { header, payload };
}
