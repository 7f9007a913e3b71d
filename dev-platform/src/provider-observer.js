// Koa middleware around the provider's own routes (runs after them): adds RFC 8628's `interval`
// to device authorization responses, registers each new device code with the poll gate, and
// counts what the token and revocation endpoints answered for GET /dev/stats.
import { deviceCodeKey } from './device-polling.js';
import { DEVICE_GRANT } from './provider.js';

export function observeProvider({ gate, stats, pollInterval }) {
  return async function observe(ctx, next) {
    await next();
    // ctx.oidc exists only for requests the provider routed.
    const route = ctx.oidc?.route;
    if (!route) return;

    if (route === 'device_authorization' && ctx.status === 200 && ctx.body?.device_code) {
      ctx.body.interval = pollInterval;
      const { key } = gate.register(ctx.body.device_code, ctx.body.expires_in);
      stats.deviceAuthorized(key);
      return;
    }

    if (route === 'token') {
      const params = ctx.oidc.params ?? {};
      const outcome = ctx.status === 200 ? 'issued' : (ctx.body?.error ?? `http_${ctx.status}`);
      if (params.grant_type === DEVICE_GRANT && params.device_code) {
        stats.polled(deviceCodeKey(params.device_code), outcome);
      } else if (params.grant_type === 'refresh_token') {
        stats.refreshed(ctx.status === 200);
      }
      return;
    }

    if (route === 'revocation' && ctx.status === 200) stats.revoked();
  };
}
