#!/usr/bin/env node
// Does in plain HTTP what a person does in the browser for a device-flow sign-in: open the
// verification page, enter the user code, press CONFIRM (or CANCEL with --deny), sign in with the
// dev account when asked, and land on the success (or cancelled) page. Consent is granted by the
// platform itself for its first-party client. Follows the pages' own forms and redirects with a
// cookie jar; nothing is shortcut.
//
//   node tools/approve.js <user_code | verification_uri_complete> [--deny]
//        [--platform http://127.0.0.1:8700] [--email E] [--password P] [--verbose]
//
// Exit codes: 0 done (approved, or denied with --deny); 1 unexpected page, HTTP status or network
// error; 2 bad usage; 3 the code was not accepted (unknown, expired or already used); 4 sign-in
// rejected (wrong email or password).
import { pathToFileURL } from 'node:url';

import { DEV_EMAIL, DEV_PASSWORD } from '../src/account.js';
import { CookieJar } from './cookie-jar.js';
import { findForm, formData, pageError, pageName } from './html-forms.js';

export const DEFAULT_PLATFORM = 'http://127.0.0.1:8700';
export const EXIT = Object.freeze({ OK: 0, UNEXPECTED: 1, USAGE: 2, CODE_REJECTED: 3, LOGIN_REJECTED: 4 });

export class ApproveError extends Error {
  constructor(exitCode, message, trail) {
    super(message);
    this.name = 'ApproveError';
    this.exitCode = exitCode;
    this.trail = trail;
  }
}

const MAX_STEPS = 20;

/**
 * Approves (or, with deny: true, cancels) one device-flow sign-in.
 * Give either userCode (typed on the verification page) or verificationUriComplete (opened like
 * the link in the notebook; its self-submitting form is submitted as a browser's script would).
 * Pass the same `jar` to several calls to act as one browser (the second sign-in skips the login).
 * Resolves to { outcome: 'approved' | 'denied', trail }; rejects with ApproveError (exitCode).
 */
export async function approve({
  userCode,
  verificationUriComplete,
  platform = DEFAULT_PLATFORM,
  deny = false,
  email = DEV_EMAIL,
  password = DEV_PASSWORD,
  jar = new CookieJar(),
  log = () => {},
} = {}) {
  if (!userCode === !verificationUriComplete) {
    throw new ApproveError(EXIT.USAGE, 'give exactly one of userCode or verificationUriComplete');
  }
  const trail = [];
  const fail = (code, message) => new ApproveError(code, message, trail);

  async function request(url, { method = 'GET', body } = {}) {
    const headers = { Accept: 'text/html', 'User-Agent': 'dev-platform-approve/1' };
    const cookie = jar.header(url);
    if (cookie) headers.Cookie = cookie;
    if (body) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    let response;
    try {
      response = await fetch(url, { method, headers, body: body?.toString(), redirect: 'manual' });
    } catch (err) {
      throw fail(EXIT.UNEXPECTED, `${method} ${url} failed: ${err.cause?.message ?? err.message}`);
    }
    jar.store(url, response.headers.getSetCookie());
    log(`${method} ${new URL(url).pathname} -> ${response.status}`);
    return response;
  }

  async function submit(pageUrl, form, values, buttonLabel) {
    const target = new URL(form.action || pageUrl, pageUrl).href;
    return request(target, { method: form.method, body: formData(form, values, buttonLabel) });
  }

  let url = verificationUriComplete ?? `${platform.replace(/\/+$/, '')}/oidc/device`;
  let response = await request(url);
  let codeSent = false;
  let loginSent = false;

  for (let step = 0; step < MAX_STEPS; step += 1) {
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location');
      if (!location) throw fail(EXIT.UNEXPECTED, `${response.status} without a Location header from ${url}`);
      url = new URL(location, url).href;
      response = await request(url);
      continue;
    }
    const html = await response.text();
    if (!(response.headers.get('content-type') ?? '').includes('text/html')) {
      throw fail(EXIT.UNEXPECTED, `expected a page from ${url}, got HTTP ${response.status} ${response.headers.get('content-type')}`);
    }
    const page = pageName(html) ?? 'auto-submit';
    trail.push(page);
    const problem = pageError(html);

    switch (page) {
      case 'auto-submit': {
        // verification_uri_complete answers with a form that submits itself via script.
        const form = findForm(html);
        if (!form) throw fail(EXIT.UNEXPECTED, `unrecognised page from ${url} (HTTP ${response.status})`);
        codeSent = true;
        response = await submit(url, form, {});
        break;
      }
      case 'code-input': {
        if (codeSent || problem) throw fail(EXIT.CODE_REJECTED, problem ?? 'the code was not accepted');
        codeSent = true;
        response = await submit(url, findForm(html, 'Continue'), { user_code: userCode }, 'Continue');
        break;
      }
      case 'confirm': {
        const label = deny ? 'CANCEL' : 'CONFIRM';
        response = await submit(url, findForm(html, label), {}, label);
        break;
      }
      case 'login': {
        if (loginSent) throw fail(EXIT.LOGIN_REJECTED, problem ?? 'sign-in was rejected');
        loginSent = true;
        response = await submit(url, findForm(html, 'Sign in'), { email, password }, 'Sign in');
        break;
      }
      case 'success':
        if (deny) throw fail(EXIT.UNEXPECTED, 'the sign-in succeeded although --deny was given');
        return { outcome: 'approved', trail };
      case 'cancelled':
        if (!deny) throw fail(EXIT.UNEXPECTED, 'the sign-in was cancelled');
        return { outcome: 'denied', trail };
      default:
        throw fail(EXIT.UNEXPECTED, `${page} page (HTTP ${response.status}): ${problem ?? 'no message'}`);
    }
  }
  throw fail(EXIT.UNEXPECTED, `no result after ${MAX_STEPS} pages (${trail.join(' > ')})`);
}

const USAGE = `usage: node tools/approve.js <user_code | verification_uri_complete> [--deny]
       [--platform URL] [--email EMAIL] [--password PASSWORD] [--verbose]
exit: 0 done, 1 unexpected, 2 usage, 3 code not accepted, 4 sign-in rejected`;

function parseArgs(argv) {
  const options = { platform: process.env.DEV_PLATFORM_URL || DEFAULT_PLATFORM };
  const positional = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg];
    const value = () => {
      if (inline !== undefined) return inline;
      i += 1;
      if (i >= argv.length) throw new ApproveError(EXIT.USAGE, `${flag} needs a value`);
      return argv[i];
    };
    switch (flag) {
      case '--deny': options.deny = true; break;
      case '--verbose': options.verbose = true; break;
      case '--platform': options.platform = value(); break;
      case '--email': options.email = value(); break;
      case '--password': options.password = value(); break;
      case '--help': case '-h': throw new ApproveError(EXIT.USAGE, USAGE);
      default:
        if (arg.startsWith('-')) throw new ApproveError(EXIT.USAGE, `unknown option ${arg}\n${USAGE}`);
        positional.push(arg);
    }
  }
  if (positional.length !== 1) throw new ApproveError(EXIT.USAGE, USAGE);
  const [target] = positional;
  if (/^https?:\/\//.test(target)) options.verificationUriComplete = target;
  else options.userCode = target;
  return options;
}

async function main(argv) {
  try {
    const options = parseArgs(argv);
    const log = options.verbose ? (line) => process.stderr.write(`approve: ${line}\n`) : undefined;
    const { outcome } = await approve({ ...options, log });
    process.stdout.write(`${outcome}\n`);
    return EXIT.OK;
  } catch (err) {
    if (!(err instanceof ApproveError)) throw err;
    process.stderr.write(`approve: ${err.message}${err.trail?.length ? ` (pages: ${err.trail.join(' > ')})` : ''}\n`);
    return err.exitCode;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main(process.argv.slice(2));
}
