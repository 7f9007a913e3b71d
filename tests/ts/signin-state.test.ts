import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe as suite, it } from 'node:test';

import type { ILocalState, ISignInModelState } from '../../src/signin-state';
import {
  INITIAL_LOCAL,
  countdownText,
  describe,
  formatRemaining,
  readModel,
  shouldOpenForKernel,
  spelledOut
} from '../../src/signin-state';

const NOW = 1_800_000_000_000;

function model(overrides: Partial<ISignInModelState> = {}): ISignInModelState {
  return {
    state: 'waiting',
    user_code: 'BCDF-GHJK',
    verification_uri: 'https://id.example.org/device',
    open_url: 'https://id.example.org/device?user_code=BCDF-GHJK',
    expires_at: NOW + 581_000,
    note: 'The sign-in page opened in a new tab.',
    status: 'Waiting for you to confirm in the browser…',
    message: '',
    flow: '0123456789abcdef',
    ...overrides
  };
}

function local(overrides: Partial<ILocalState> = {}): ILocalState {
  return { ...INITIAL_LOCAL, ...overrides };
}

suite('sign-in widget state', () => {
  it('waiting: title, code exactly as sent, link, countdown, controls', () => {
    const view = describe(model(), local(), NOW);
    assert.equal(view.title, 'Authentication Required');
    assert.equal(view.live, true);
    assert.equal(view.code, 'BCDF-GHJK');
    assert.equal(view.codeLabel, 'User code B C D F - G H J K');
    assert.equal(view.url, 'https://id.example.org/device');
    assert.equal(view.countdown, 'The code expires in 9:41.');
    assert.equal(view.note, 'The sign-in page opened in a new tab.');
    assert.equal(view.openIsNextStep, false);
    assert.equal(view.cancelDisabled, false);
    assert.equal(view.tone, 'info');
  });

  it('popup blocked: Open is the next step, with the reason', () => {
    const note = 'Your browser blocked the new tab: open the sign-in page yourself.';
    const view = describe(model({ state: 'popup-blocked', note }), local(), NOW);
    assert.equal(view.openIsNextStep, true);
    assert.equal(view.note, note);
    assert.equal(view.tone, 'warning');
    const after = describe(model({ state: 'popup-blocked', note }), local({ openedHere: true }), NOW);
    assert.equal(after.openIsNextStep, false);
    assert.equal(after.note, 'The sign-in page is open in another tab.');
  });

  it('an Open click that failed says so and keeps Open as the next step', () => {
    const view = describe(model(), local({ openProblem: 'The browser refused.' }), NOW);
    assert.equal(view.note, 'The browser refused.');
    assert.equal(view.openIsNextStep, true);
  });

  it('slowed down: still live, the status line says it', () => {
    const status = 'The provider asked us to poll less often (polling every 10 s).';
    const view = describe(model({ state: 'slowed', status }), local(), NOW);
    assert.equal(view.live, true);
    assert.equal(view.status, status);
  });

  it('copy and cancel feedback', () => {
    assert.equal(describe(model(), local({ copy: 'copied' }), NOW).copyLabel, 'Copied');
    assert.equal(describe(model(), local({ copy: 'failed' }), NOW).copyLabel, 'Select and copy');
    const cancelling = describe(model(), local({ cancelling: true }), NOW);
    assert.equal(cancelling.status, 'Cancelling…');
    assert.equal(cancelling.cancelDisabled, true);
  });

  it('final states show no code, link or controls', () => {
    const cases: [string, string, string][] = [
      ['signed-in', 'Signed in as Ada until 12:00', '✓ Signed in as Ada until 12:00'],
      ['denied', 'Sign-in was declined.', 'Sign-in denied'],
      ['expired', 'Run the cell again for a new code.', 'The code expired'],
      ['cancelled', 'Run the cell again to sign in.', 'Sign-in cancelled'],
      ['error', 'The provider could not be reached.', 'Sign-in failed'],
      ['something-newer', '', 'Sign-in failed']
    ];
    for (const [state, message, title] of cases) {
      const view = describe(model({ state, message, user_code: 'STALE' }), local(), NOW);
      assert.equal(view.title, title, state);
      assert.equal(view.live, false, state);
      assert.equal(view.code, '', state);
      assert.equal(view.url, '', state);
      assert.equal(view.message, state === 'signed-in' ? '' : message, state);
    }
  });

  it('a restarted kernel ends a live sign-in, not a finished one', () => {
    const gone = describe(model(), local({ kernelGone: true }), NOW);
    assert.equal(gone.title, 'Sign-in stopped');
    assert.equal(gone.live, false);
    assert.equal(gone.code, '');
    assert.match(gone.message, /kernel restarted.*Run the cell again/);
    const done = describe(model({ state: 'signed-in', message: 'Signed in as A' }), local({ kernelGone: true }), NOW);
    assert.equal(done.title, '✓ Signed in as A');
  });

  it('counts down and says when the code has expired', () => {
    assert.equal(formatRemaining(581_000), '9:41');
    assert.equal(formatRemaining(4_000), '0:04');
    assert.equal(formatRemaining(3_605_000), '1:00:05');
    assert.equal(formatRemaining(-5), '0:00');
    assert.equal(countdownText(NOW + 1_500, NOW), 'The code expires in 0:02.');
    assert.match(countdownText(NOW - 1, NOW), /has expired: run the cell again/);
    assert.equal(countdownText(0, NOW), '');
    assert.equal(countdownText(Number.NaN, NOW), '');
  });

  it('spells the code for screen readers', () => {
    assert.equal(spelledOut('AB CD'), 'User code A B C D');
  });

  it('opens the page for a kernel without a browser only once, while waiting and allowed', () => {
    const waiting = model({ flow: '0123456789abcdef' });
    assert.equal(shouldOpenForKernel(true, waiting, false, true), true);
    assert.equal(shouldOpenForKernel(true, model({ flow: 'f1f1f1f1f1f1f1f1', state: 'popup-blocked' }), false, true), true);
    assert.equal(shouldOpenForKernel(false, waiting, false, true), false, 'the kernel did not ask');
    assert.equal(shouldOpenForKernel('true', waiting, false, true), false, 'only a real true');
    assert.equal(shouldOpenForKernel(true, waiting, true, true), false, 'a re-render or a second view');
    assert.equal(shouldOpenForKernel(true, waiting, false, false), false, 'no user activation left');
    assert.equal(shouldOpenForKernel(true, model({ flow: 'a'.repeat(16), state: 'signed-in' }), false, true), false);
    assert.equal(shouldOpenForKernel(true, model({ flow: '' }), false, true), false);
    assert.equal(shouldOpenForKernel(true, model({ flow: 'a'.repeat(16), open_url: '', verification_uri: '' }), false, true), false);
  });

  it('reads a model defensively', () => {
    const values: Record<string, unknown> = { state: 5, user_code: 'X', expires_at: 'soon' };
    const read = readModel(key => values[key]);
    assert.equal(read.state, '');
    assert.equal(read.user_code, 'X');
    assert.equal(read.expires_at, 0);
    assert.equal(describe(read, local(), NOW).title, 'Sign-in failed');
  });

  it('registers the version the Python widget asks for', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const source = readFileSync('src/signin-widget.ts', 'utf8');
    assert.match(source, new RegExp(`MODULE_VERSION = '${pkg.version.replace(/\./g, '\\.')}'`));
    const py = readFileSync('py/jupyterlite_auth/_version.py', 'utf8');
    assert.match(py, new RegExp(`__version__ = "${pkg.version.replace(/\./g, '\\.')}"`));
  });
});
