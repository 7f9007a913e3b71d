// Builds the OpenID Connect provider: the real oidc-provider library with device flow, refresh
// tokens (offline_access), revocation and userinfo, our own pages, and CORS for the site only.
import { randomBytes } from 'node:crypto';

import { Provider } from 'oidc-provider';

import { DEV_EMAIL, DEV_PASSWORD } from './account.js';
import * as pages from './pages.js';
import { PAGE_HEADERS } from './http-util.js';

export const MOUNT = '/oidc';
export const CLIENT_ID = 'cli-device-client';
export const CLIENT_NAME = 'Dev Platform CLI Device Flow';
export const SCOPES = ['openid', 'profile', 'email', 'offline_access'];
export const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

function render(ctx, { status, html }) {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set(PAGE_HEADERS);
  ctx.body = html;
}

// Which message the code-entry page shows when the library re-renders it after a problem.
function codeProblem(err, out) {
  if (!err) return undefined;
  switch (err.name) {
    case 'NoCodeError':
      return 'Enter the code shown in your notebook.';
    case 'NotFoundError':
      return 'That code is not valid. Check it against your notebook and try again.';
    case 'ExpiredError':
      return 'That code has expired. Start the sign-in again in your notebook.';
    case 'AlreadyUsedError':
      return 'That code was already used. Start the sign-in again in your notebook.';
    default:
      if (out?.error_description === 'xsrf token invalid') {
        // One form token per browser session: a newer sign-in tab replaced this one's.
        return 'This sign-in page is out of date: another one was opened in this browser since. '
          + 'Enter the code shown in your notebook now (or use the newest sign-in tab).';
      }
      return `The request could not be completed: ${out?.error_description ?? out?.error ?? 'unknown error'}.`;
  }
}

export function createProvider({ issuer, config, accounts, adapter, siteOrigin, signingKey }) {
  const keys = [signingKey];

  const provider = new Provider(issuer, {
    adapter,
    clients: [{
      client_id: CLIENT_ID,
      client_name: CLIENT_NAME,
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: [DEVICE_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      scope: SCOPES.join(' '),
    }],
    // Standard OIDC claims grouped by the scope that releases them.
    claims: {
      openid: ['sub'],
      profile: ['name'],
      email: ['email', 'email_verified'],
    },
    scopes: SCOPES,
    findAccount: accounts.findAccount,
    jwks: { keys },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clockTolerance: config.clockTolerance,
    ttl: {
      AccessToken: config.accessTokenTtl,
      IdToken: config.idTokenTtl,
      RefreshToken: config.refreshTokenTtl,
      DeviceCode: config.deviceCodeTtl,
      // The grant must outlive every token issued under it.
      Grant: Math.max(config.refreshTokenTtl, config.accessTokenTtl, config.idTokenTtl),
      Interaction: 3600,
      Session: 14 * 24 * 3600,
    },
    // Only the site may call the client-facing endpoints (token, device authorization,
    // revocation, userinfo) from a browser. Discovery and JWKS stay readable by any origin, as
    // public metadata is meant to be (the library serves them with open CORS).
    clientBasedCORS(_ctx, origin) {
      return origin === siteOrigin;
    },
    interactions: {
      url: (_ctx, interaction) => `${MOUNT}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        async userCodeInputSource(ctx, _form, out, err) {
          const xsrf = ctx.oidc.session.state?.secret;
          const action = ctx.oidc.urlFor('code_verification');
          if (err?.name === 'AbortedError') {
            render(ctx, pages.cancelledPage());
            return;
          }
          const page = pages.codeInputPage({ action, xsrf, userCode: err?.userCode, error: codeProblem(err, out) });
          // Keep the library's status (200 for a re-render, 4xx for a bad request).
          render(ctx, { ...page, status: err && ctx.status >= 400 ? ctx.status : page.status });
        },
        async userCodeConfirmSource(ctx, _form, client, deviceInfo, userCode) {
          const requested = ctx.oidc.deviceCode?.params?.scope?.split(' ') ?? [];
          render(ctx, pages.confirmPage({
            action: ctx.oidc.urlFor('code_verification'),
            xsrf: ctx.oidc.session.state.secret,
            userCode,
            clientName: client.clientName ?? client.clientId,
            scopes: requested.filter(Boolean),
            deviceInfo,
            account: accounts.byId(ctx.oidc.session.accountId),
          }));
        },
        async successSource(ctx) {
          render(ctx, pages.successPage({
            clientName: ctx.oidc.client.clientName ?? ctx.oidc.client.clientId,
            account: accounts.byId(ctx.oidc.session.accountId),
          }));
        },
      },
      revocation: {
        enabled: true,
        // A client may revoke only its own tokens; anything else is quietly not revoked (RFC 7009
        // still answers 200).
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      // Not part of this platform's surface: no browser redirects, no logout page, no DPoP.
      rpInitiatedLogout: { enabled: false },
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
    },
    async renderError(ctx, out) {
      render(ctx, pages.errorPage({ message: out.error_description ?? out.error, status: ctx.status }));
    },
  });

  return provider;
}

export const LOGIN_HINT = Object.freeze({ email: DEV_EMAIL, password: DEV_PASSWORD });
