/**
 * What the sign-in widget shows, decided from the kernel's state, what
 * happened on this page (a click on Open, Copy or Cancel) and the time.
 * Pure: no DOM, so every state is tested in node; src/signin-widget.ts only
 * copies the result into elements.
 */

/** The widget model's synced fields (py/jupyterlite_auth/widget.py). */
export interface ISignInModelState {
  state: string;
  user_code: string;
  verification_uri: string;
  open_url: string;
  /** ms since the epoch; 0 when unknown. */
  expires_at: number;
  note: string;
  status: string;
  message: string;
  flow: string;
}

/** What happened in this view, which the kernel may hear of only later. */
export interface ILocalState {
  /** The Open button opened (or focused) the tab. */
  openedHere: boolean;
  /** Result of the last Open click that did not open a tab. */
  openProblem: string;
  copy: 'idle' | 'copied' | 'failed';
  cancelling: boolean;
  /** The kernel restarted or died: whatever it was polling for stopped with it. */
  kernelGone: boolean;
}

export const INITIAL_LOCAL: Readonly<ILocalState> = Object.freeze({
  openedHere: false,
  openProblem: '',
  copy: 'idle',
  cancelling: false,
  kernelGone: false
});

export type Tone = 'info' | 'warning' | 'success' | 'error';

export interface IViewState {
  title: string;
  tone: Tone;
  /** Waiting for the user: code, link, countdown and controls are shown. */
  live: boolean;
  code: string;
  /** Letters spaced out, so a screen reader spells the code. */
  codeLabel: string;
  url: string;
  /** "Open sign-in page" is the next step (the tab did not open by itself). */
  openIsNextStep: boolean;
  /** The one sentence saying why, next to the Open button. */
  note: string;
  countdown: string;
  status: string;
  copyLabel: string;
  cancelDisabled: boolean;
  /** The outcome's sentence in the final states. */
  message: string;
}

const LIVE_STATES = new Set(['waiting', 'popup-blocked', 'slowed']);

/** Whether the kernel still says this sign-in is waiting for the person. */
export function isWaiting(model: ISignInModelState): boolean {
  return LIVE_STATES.has(model.state);
}

/** Kernel statuses after which nothing the old kernel was doing goes on (a sign-in included). */
export const KERNEL_GONE: ReadonlySet<string> = new Set(['restarting', 'autorestarting', 'dead']);

const FINAL: Record<string, { title: string; tone: Tone }> = {
  'signed-in': { title: 'Signed in', tone: 'success' },
  denied: { title: 'Sign-in denied', tone: 'error' },
  expired: { title: 'The code expired', tone: 'warning' },
  cancelled: { title: 'Sign-in cancelled', tone: 'info' },
  error: { title: 'Sign-in failed', tone: 'error' }
};

/** "9:41" for 581 s; hours only when needed ("1:00:05"). */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

export function countdownText(expiresAt: number, now: number): string {
  if (!Number.isFinite(expiresAt) || expiresAt <= 0) {
    return '';
  }
  const left = expiresAt - now;
  return left > 0
    ? `The code expires in ${formatRemaining(left)}.`
    : 'The code has expired: run the cell again for a new one.';
}

export function spelledOut(code: string): string {
  return `User code ${Array.from(code).filter(ch => ch.trim() !== '').join(' ')}`;
}

export function describe(
  model: ISignInModelState,
  local: ILocalState,
  now: number
): IViewState {
  const final = FINAL[model.state];
  if (!final && LIVE_STATES.has(model.state) && local.kernelGone) {
    return {
      ...EMPTY,
      title: 'Sign-in stopped',
      tone: 'info',
      message: 'The kernel restarted, which stopped this sign-in. Run the cell again to sign in.'
    };
  }
  if (final || !LIVE_STATES.has(model.state)) {
    const { title, tone } = final ?? FINAL.error;
    return {
      ...EMPTY,
      title: model.state === 'signed-in' && model.message ? `✓ ${model.message}` : title,
      tone,
      message: model.state === 'signed-in' ? '' : model.message
    };
  }
  const blocked = model.state === 'popup-blocked' && !local.openedHere;
  let note = model.note;
  if (local.openedHere) {
    note = 'The sign-in page is open in another tab.';
  } else if (local.openProblem) {
    note = local.openProblem;
  }
  let status = model.status;
  if (local.cancelling) {
    status = 'Cancelling…';
  }
  return {
    title: 'Authentication Required',
    tone: blocked ? 'warning' : 'info',
    live: true,
    code: model.user_code,
    codeLabel: spelledOut(model.user_code),
    url: model.verification_uri,
    openIsNextStep: blocked || !!local.openProblem,
    note,
    countdown: countdownText(model.expires_at, now),
    status,
    copyLabel:
      local.copy === 'copied' ? 'Copied' : local.copy === 'failed' ? 'Select and copy' : 'Copy',
    cancelDisabled: local.cancelling,
    message: ''
  };
}

const EMPTY: IViewState = Object.freeze({
  title: '',
  tone: 'info',
  live: false,
  code: '',
  codeLabel: '',
  url: '',
  openIsNextStep: false,
  note: '',
  countdown: '',
  status: '',
  copyLabel: 'Copy',
  cancelDisabled: true,
  message: ''
}) as IViewState;

/**
 * Whether the view should open the sign-in page itself now: the kernel asked (its machine has no
 * browser), the sign-in still waits, no view of this page has tried for this sign-in yet (views
 * are re-rendered, and a second tab per sign-in is never wanted), and the browser still allows a
 * new tab (the user's key press is recent; without it the Open button is the way).
 */
export function shouldOpenForKernel(
  pageOpen: unknown,
  model: ISignInModelState,
  triedBefore: boolean,
  activationActive: boolean
): boolean {
  return (
    pageOpen === true &&
    LIVE_STATES.has(model.state) &&
    !!model.flow &&
    !!(model.open_url || model.verification_uri) &&
    !triedBefore &&
    activationActive
  );
}

/** Read the model's fields defensively: a kernel may be older or newer than this page. */
export function readModel(get: (key: string) => unknown): ISignInModelState {
  const text = (key: string): string => {
    const value = get(key);
    return typeof value === 'string' ? value : '';
  };
  const expires = get('expires_at');
  return {
    state: text('state'),
    user_code: text('user_code'),
    verification_uri: text('verification_uri'),
    open_url: text('open_url'),
    expires_at: typeof expires === 'number' && Number.isFinite(expires) ? expires : 0,
    note: text('note'),
    status: text('status'),
    message: text('message'),
    flow: text('flow')
  };
}
