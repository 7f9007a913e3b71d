// CORS for the one origin that may call us from a browser: the notebook site (SITE_ORIGIN).

// Provider paths whose metadata is public and served with open CORS by the library.
const OPEN_PROVIDER_PATHS = new Set([
  '/.well-known/openid-configuration',
  '/.well-known/oauth-authorization-server',
  '/jwks',
]);

// Koa middleware for the provider. The library answers every preflight with the caller's origin
// (it cannot know the client before the body arrives) and refuses only the actual request. A
// preflight from any other origin is answered here without CORS headers, so a browser never sends
// the request at all.
export function providerPreflightFilter(siteOrigin) {
  return async function preflightFilter(ctx, next) {
    const origin = ctx.get('Origin');
    if (ctx.method === 'OPTIONS' && origin && origin !== siteOrigin && !OPEN_PROVIDER_PATHS.has(ctx.path)) {
      ctx.vary('Origin');
      ctx.status = 204;
      return;
    }
    await next();
  };
}

const API_ALLOW_HEADERS = 'Authorization, Content-Type, X-Account-Id, X-Auth-Token';

// Headers for an /api/ response (or preflight) given the request's Origin; none for other origins.
export function apiCorsHeaders(req, siteOrigin, { preflight = false } = {}) {
  const origin = req.headers.origin;
  if (!origin || origin !== siteOrigin) return { Vary: 'Origin' };
  const headers = {
    Vary: 'Origin',
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Expose-Headers': 'WWW-Authenticate',
  };
  if (preflight) {
    headers['Access-Control-Allow-Methods'] = 'GET, HEAD, OPTIONS';
    headers['Access-Control-Allow-Headers'] = API_ALLOW_HEADERS;
    headers['Access-Control-Max-Age'] = '600';
  }
  return headers;
}
