// Server-rendered HTML for the sign-in flow. No scripts and no external assets; every value that
// reaches a page goes through `escape`. Each page names itself in
// <meta name="dev-platform-page" content="..."> so tools/approve.js and UI tests can tell pages
// apart without reading prose.

const ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escape(value) {
  return String(value ?? '').replace(/[&<>"']/g, (ch) => ENTITIES[ch]);
}

// What each scope lets the notebook do, in words a person can judge on the confirm page.
const SCOPE_TEXT = {
  openid: 'Confirm who you are (your account ID)',
  profile: 'See your name',
  email: 'See your email address',
  offline_access: 'Stay signed in: renew its access without asking you again',
};

const STYLE = `
  *{box-sizing:border-box}
  body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f3f5f8;color:#1d2330}
  main{max-width:30rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
  h1{font-size:1.4rem;margin:0 0 1rem}
  label{display:block;font-weight:600;margin:.8rem 0 .2rem}
  input[type=text],input[type=email],input[type=password]{width:100%;padding:.55rem .7rem;font-size:1rem;border:1px solid #aab3c0;border-radius:4px}
  input.code{font:600 1.4rem ui-monospace,monospace;letter-spacing:.15em;text-transform:uppercase}
  .code-display{display:block;font:700 1.8rem ui-monospace,monospace;letter-spacing:.15em;margin:.4rem 0 1rem}
  .actions{display:flex;gap:.8rem;margin-top:1.4rem}
  button{padding:.6rem 1.4rem;font-size:1rem;font-weight:600;border-radius:4px;border:1px solid #1f5fbf;background:#1f5fbf;color:#fff;cursor:pointer}
  button.secondary{background:#fff;color:#1f5fbf}
  .error{color:#a21c1c;background:#fdeeee;border-left:4px solid #a21c1c;padding:.5rem .8rem}
  .hint{color:#4b5565;background:#f1f4f9;border-left:4px solid #8a96a8;padding:.5rem .8rem;font-size:.9rem}
  .muted{color:#5b6474;font-size:.9rem}
  ul{padding-left:1.2rem}
  code{white-space:nowrap}
`;

function layout(page, title, body, { status = 200 } = {}) {
  const html = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="dev-platform-page" content="${escape(page)}">
<title>${escape(title)} - Dev Platform</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
  return { status, html };
}

function errorBox(message) {
  return message ? `<p class="error" role="alert">${escape(message)}</p>` : '';
}

// verification_uri: the person types the code shown in the notebook.
export function codeInputPage({ action, xsrf, userCode, error }) {
  return layout('code-input', 'Enter code', `
<h1>Connect a notebook</h1>
${errorBox(error)}
<p>Enter the code shown in your notebook.</p>
<form method="post" action="${escape(action)}">
  <input type="hidden" name="xsrf" value="${escape(xsrf)}">
  <label for="user_code">Code</label>
  <input class="code" type="text" id="user_code" name="user_code" value="${escape(userCode)}"
    placeholder="XXXX-XXXX" autocomplete="off" autocapitalize="characters" spellcheck="false" autofocus required>
  <div class="actions"><button type="submit">Continue</button></div>
</form>`);
}

// After a valid code: who asks, for what, and the code again so the person can compare it.
export function confirmPage({ action, xsrf, userCode, clientName, scopes, deviceInfo, account }) {
  const items = scopes.map((scope) => `<li>${escape(SCOPE_TEXT[scope] ?? scope)} <span class="muted">(${escape(scope)})</span></li>`).join('\n');
  const who = account
    ? `<p>Signed in as <strong>${escape(account.name)}</strong> (${escape(account.email)}).</p>`
    : '<p class="muted">You will sign in on the next page.</p>';
  const device = deviceInfo?.ip || deviceInfo?.ua
    ? `<p class="muted">Requested from ${escape(deviceInfo.ip ?? 'an unknown address')}${deviceInfo.ua ? ` by ${escape(deviceInfo.ua)}` : ''}.</p>`
    : '';
  return layout('confirm', 'Confirm sign-in', `
<h1>Sign in to ${escape(clientName)}?</h1>
<p>Check that this code matches the one in your notebook:</p>
<span class="code-display" aria-label="User code">${escape(userCode)}</span>
${who}
<p><strong>${escape(clientName)}</strong> is asking to:</p>
<ul>${items || '<li>Sign you in</li>'}</ul>
${device}
<p class="muted">If you did not start this sign-in, or the code does not match, choose CANCEL.</p>
<form method="post" action="${escape(action)}">
  <input type="hidden" name="xsrf" value="${escape(xsrf)}">
  <input type="hidden" name="user_code" value="${escape(userCode)}">
  <div class="actions">
    <button type="submit" name="confirm" value="yes" autofocus>CONFIRM</button>
    <button type="submit" name="abort" value="yes" class="secondary">CANCEL</button>
  </div>
</form>`);
}

export function loginPage({ action, abortAction, clientName, email, error, hint }) {
  return layout('login', 'Sign in', `
<h1>Sign in</h1>
<p>Sign in to continue to <strong>${escape(clientName)}</strong>.</p>
${errorBox(error)}
<form method="post" action="${escape(action)}">
  <label for="email">Email</label>
  <input type="email" id="email" name="email" value="${escape(email)}" autocomplete="username" required autofocus>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <div class="actions"><button type="submit">Sign in</button></div>
</form>
<form method="post" action="${escape(abortAction)}">
  <div class="actions"><button type="submit" class="secondary">CANCEL</button></div>
</form>
<p class="hint">Development account: <code>${escape(hint.email)}</code> / <code>${escape(hint.password)}</code></p>`,
  { status: error ? 401 : 200 });
}

export function successPage({ clientName, account }) {
  const who = account ? ` as <strong>${escape(account.name)}</strong>` : '';
  return layout('success', 'Signed in', `
<h1>Signed in</h1>
<p><strong>${escape(clientName)}</strong> is signed in${who}.</p>
<p>You can close this window and return to your notebook (or terminal).</p>`);
}

export function cancelledPage() {
  return layout('cancelled', 'Sign-in cancelled', `
<h1>Sign-in cancelled</h1>
<p>Nothing was shared. The notebook will report that the sign-in was denied.</p>
<p>You can close this window.</p>`);
}

export function errorPage({ title = 'Something went wrong', message, status = 400 }) {
  return layout('error', title, `
<h1>${escape(title)}</h1>
${errorBox(message)}
<p class="muted">Start the sign-in again from your notebook.</p>`, { status });
}

export function indexPage({ issuer, api, site, siteServed }) {
  return layout('index', 'Dev Platform', `
<h1>Dev Platform</h1>
<p>A stand-in for the platform: an OpenID Connect provider (device flow) and a small API.</p>
<ul>
  <li>Notebook site: <a href="${escape(site)}">${escape(site)}</a>${siteServed ? '' : ' <span class="muted">(not served by this process)</span>'}</li>
  <li>Provider metadata: <a href="${escape(issuer)}/.well-known/openid-configuration">${escape(issuer)}/.well-known/openid-configuration</a></li>
  <li>Enter a device code: <a href="${escape(issuer)}/device">${escape(issuer)}/device</a></li>
  <li>API: <code>${escape(api)}</code> (bearer token required)</li>
  <li>Host page (the site embedded as on the platform): <a href="/host">/host</a>
    (<a href="/host?data=list">list data</a>, <a href="/host?silent=1">silent</a>)</li>
</ul>`);
}

export { SCOPE_TEXT };
