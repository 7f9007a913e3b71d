// The platform API under /api/. Every request needs credentials the platform accepts:
//   Authorization: Bearer <access token>  - looked up in the provider's own AccessToken store, so
//                                            revoked, expired or foreign tokens fail for real;
//   X-Account-Id + X-Auth-Token            - the platform's legacy headers (host-page mode).
// Two spellings of each route:
//   /api/me, /api/projects                 - plain JSON (what our own tests and tools read);
//   /api/<version>/users/me, .../projects  - the platform's JSend envelope {status, data}, the
//                                            shape its Python API client expects.
import { safeEqual } from './account.js';
import { apiCorsHeaders } from './cors.js';
import { sendJson } from './http-util.js';

const REALM = 'dev-platform';
const VERSIONED = /^\/api\/(v\d+|\d{4}-\d{2}-\d{1,2})(\/.*)$/;

function projectsFor(account) {
  const owner = { _id: account.id, name: account.name };
  return [
    { _id: 'dev-project-0001', name: 'Default', isDefault: true, owner },
    { _id: 'dev-project-0002', name: 'Silicon band structure', isDefault: false, owner },
    { _id: 'dev-project-0003', name: 'Perovskite screening', isDefault: false, owner },
  ];
}

class ApiError extends Error {
  constructor(status, error, description, headers = {}) {
    super(description);
    Object.assign(this, { status, error, description, headers });
  }
}

function unauthorized(description, bearerError) {
  const params = [`realm="${REALM}"`];
  if (bearerError) params.push(`error="${bearerError}"`, `error_description="${description.replace(/["\\]/g, '')}"`);
  return new ApiError(401, bearerError ?? 'unauthorized', description, { 'WWW-Authenticate': `Bearer ${params.join(', ')}` });
}

// Mongo-style equality filter over top-level fields, from either `?isDefault=true` or the API
// client's `?query={"isDefault": true}`.
function projectFilter(searchParams) {
  const filter = {};
  const rawQuery = searchParams.get('query');
  if (rawQuery) {
    let parsed;
    try {
      parsed = JSON.parse(rawQuery);
    } catch {
      throw new ApiError(400, 'invalid_request', 'query must be a JSON object');
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ApiError(400, 'invalid_request', 'query must be a JSON object');
    }
    Object.assign(filter, parsed);
  }
  const isDefault = searchParams.get('isDefault');
  if (isDefault !== null) {
    if (!['true', 'false'].includes(isDefault)) throw new ApiError(400, 'invalid_request', 'isDefault must be true or false');
    filter.isDefault = isDefault === 'true';
  }
  return (project) => Object.entries(filter).every(([key, value]) => project[key] === value);
}

export function createApi({ provider, accounts, config, siteOrigin }) {
  async function bearer(token) {
    const at = await provider.AccessToken.find(token);
    if (!at) throw unauthorized('the access token is unknown, expired or revoked', 'invalid_token');
    const [grant, client] = await Promise.all([provider.Grant.find(at.grantId), provider.Client.find(at.clientId)]);
    if (!grant || !client || grant.clientId !== at.clientId || grant.accountId !== at.accountId) {
      throw unauthorized('the grant behind this access token was revoked', 'invalid_token');
    }
    const account = accounts.byId(at.accountId);
    if (!account) throw unauthorized('the account of this access token no longer exists', 'invalid_token');
    return {
      account,
      auth: 'bearer',
      client_id: at.clientId,
      scope: at.scope ?? '',
      expires_in: Math.max(0, at.exp - Math.floor(Date.now() / 1000)),
    };
  }

  function legacy(accountId, authToken) {
    const ok = safeEqual(accountId, config.devAccountId) && safeEqual(authToken, config.devAuthToken);
    if (!ok) throw unauthorized('X-Account-Id / X-Auth-Token are not valid', 'invalid_token');
    return { account: accounts.byId(config.devAccountId), auth: 'legacy', scope: null, expires_in: null };
  }

  async function authenticate(req) {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer[ ]+([\x21-\x7e]+)\s*$/i.exec(header);
    if (match) return bearer(match[1]);
    if (header) throw unauthorized('the Authorization header must be "Bearer <access token>"', 'invalid_request');
    const accountId = req.headers['x-account-id'];
    const authToken = req.headers['x-auth-token'];
    if (accountId || authToken) return legacy(accountId ?? '', authToken ?? '');
    throw unauthorized('an access token is required (Authorization: Bearer <token>)');
  }

  // Routes after /api (and after /api/<version> for the JSend spelling).
  function route(path, url, who) {
    if (path === '/me' || path === '/users/me') {
      const { account } = who;
      if (path === '/users/me') {
        return {
          user: { entity: { _id: account.id, name: account.name, email: account.email, defaultAccountId: account.id } },
          accounts: [{ entity: { _id: account.id, name: account.name, type: 'personal' }, isDefault: true }],
        };
      }
      return {
        id: account.id, name: account.name, email: account.email,
        auth: who.auth, scope: who.scope, expires_in: who.expires_in,
      };
    }
    if (path === '/projects') return projectsFor(who.account).filter(projectFilter(url.searchParams));
    throw new ApiError(404, 'not_found', `no API endpoint ${url.pathname}`);
  }

  return async function handle(req, res, url) {
    const versioned = VERSIONED.exec(url.pathname);
    const cors = apiCorsHeaders(req, siteOrigin, { preflight: req.method === 'OPTIONS' });

    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }

    const reply = (status, body, headers = {}) => {
      const payload = versioned
        ? (status < 400 ? { status: 'success', data: body } : { status: 'error', data: { message: body.error_description, error: body.error } })
        : body;
      sendJson(res, status, payload, { ...cors, ...headers });
    };

    try {
      if (!['GET', 'HEAD'].includes(req.method)) {
        throw new ApiError(405, 'method_not_allowed', `${req.method} is not supported here`, { Allow: 'GET, HEAD, OPTIONS' });
      }
      const who = await authenticate(req);
      const path = versioned ? versioned[2] : url.pathname.slice('/api'.length);
      reply(200, route(path, url, who));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      reply(err.status, { error: err.error, error_description: err.description }, err.headers);
    }
  };
}
