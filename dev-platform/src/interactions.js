// Our answers to the provider's interaction prompts (devInteractions is off):
//   login   -> the dev sign-in page; the password is checked here.
//   consent -> granted at once for the first-party client: the person already saw the requested
//              permissions on the confirm page and pressed CONFIRM.
// Routes: GET  /oidc/interaction/:uid         (show the current prompt)
//         POST /oidc/interaction/:uid/login   (sign-in form)
//         POST /oidc/interaction/:uid/abort   (CANCEL on the sign-in page)
import * as pages from './pages.js';
import { readForm, sendHtml } from './http-util.js';
import { CLIENT_ID, CLIENT_NAME, LOGIN_HINT, MOUNT } from './provider.js';

const ROUTE = new RegExp(`^${MOUNT}/interaction/([A-Za-z0-9_-]+)(?:/(login|abort))?$`);

export function createInteractions({ provider, accounts }) {
  const actions = (uid) => ({
    action: `${MOUNT}/interaction/${uid}/login`,
    abortAction: `${MOUNT}/interaction/${uid}/abort`,
  });

  function showLogin(res, uid, { email = '', error } = {}) {
    sendHtml(res, pages.loginPage({ ...actions(uid), clientName: CLIENT_NAME, email, error, hint: LOGIN_HINT }));
  }

  async function grantConsent(req, res, details) {
    const { prompt: { details: missing }, params, session, grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const savedId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId: savedId } }, { mergeWithLastSubmission: true });
  }

  return {
    matches: (pathname) => ROUTE.test(pathname),

    async handle(req, res, pathname) {
      const [, uid, step] = pathname.match(ROUTE);
      let details;
      try {
        details = await provider.interactionDetails(req, res);
      } catch (err) {
        sendHtml(res, pages.errorPage({ title: 'Sign-in session not found', message: `${err.error_description ?? err.message}. It may have expired or been opened in another browser.` }));
        return;
      }
      // The cookie names the interaction; the URL must name the same one.
      if (details.uid !== uid) {
        sendHtml(res, pages.errorPage({ title: 'Sign-in session not found', message: 'This sign-in page belongs to another sign-in attempt.' }));
        return;
      }

      if (req.method === 'GET' && !step) {
        if (details.prompt.name === 'login') {
          showLogin(res, uid);
        } else if (details.prompt.name === 'consent' && details.params.client_id === CLIENT_ID) {
          await grantConsent(req, res, details);
        } else {
          await provider.interactionFinished(req, res, { error: 'access_denied', error_description: `prompt ${details.prompt.name} is not supported` }, { mergeWithLastSubmission: false });
        }
        return;
      }

      if (req.method === 'POST' && step === 'login') {
        const form = await readForm(req);
        const account = accounts.authenticate(form.get('email'), form.get('password'));
        if (!account) {
          showLogin(res, uid, { email: form.get('email') ?? '', error: 'Wrong email or password.' });
          return;
        }
        await provider.interactionFinished(req, res, { login: { accountId: account.id } }, { mergeWithLastSubmission: false });
        return;
      }

      if (req.method === 'POST' && step === 'abort') {
        await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'End-User aborted interaction' }, { mergeWithLastSubmission: false });
        return;
      }

      sendHtml(res, pages.errorPage({ title: 'Not allowed', message: `${req.method} is not allowed here.`, status: 405 }), { Allow: step ? 'POST' : 'GET' });
    },
  };
}
