/**
 * Kernel bootstrap: for every start and restart of a Pyodide kernel, run the
 * bootstrap code of docs/kernel-page-protocol.md once, with a fresh channel.
 *
 * Kernels are watched through the session contexts the app already has
 * (notebooks, consoles), and the code runs on their own kernel connections.
 * A connection of our own would not do in JupyterLite 0.8: a restart replaces
 * the kernel behind the same id and only the connection that asked for the
 * restart is reconnected; any other connection silently stops receiving
 * anything, so it could not even tell that a restart happened.
 *
 * Per kernel id we keep one state, so a kernel shared by a notebook and a
 * console is bootstrapped once per start, through whichever context sees it
 * idle first (after a restart: the context that restarted it).
 */

import type { Kernel, KernelMessage } from '@jupyterlab/services';
import type { ISignal } from '@lumino/signaling';

import { CHANNEL_NAME_RE } from './channel';
import { LOG_PREFIX } from './settings';

/** The Python run in the kernel; `name` is the only value put into source. */
export function bootstrapCode(name: string): string {
  if (!CHANNEL_NAME_RE.test(name)) {
    throw new Error(`invalid channel name: ${JSON.stringify(name)}`);
  }
  return [
    'try:',
    '    import jupyterlite_auth',
    'except ImportError:',
    '    import piplite',
    '    await piplite.install("jupyterlite-auth")',
    'import jupyterlite_auth._page',
    `await jupyterlite_auth._page.attach("${name}")`,
    ''
  ].join('\n');
}

/** The parts of a kernel connection the bootstrap uses. */
export type IKernelLike = Pick<
  Kernel.IKernelConnection,
  'id' | 'status' | 'info' | 'isDisposed' | 'requestExecute'
>;

/** The parts of an ISessionContext (notebook, console) the bootstrap uses. */
export interface ISessionContextLike {
  readonly isDisposed: boolean;
  readonly session: { readonly kernel: IKernelLike | null } | null;
  readonly kernelChanged: ISignal<
    ISessionContextLike,
    { newValue: IKernelLike | null }
  >;
  readonly statusChanged: ISignal<ISessionContextLike, Kernel.Status>;
  readonly disposed: ISignal<ISessionContextLike, void>;
}

export interface IDisposableLike {
  dispose(): void;
}

/**
 * Called once per start of a Pyodide kernel, when it is idle. Whatever it
 * returns is disposed when that kernel start ends (restart or shutdown).
 */
export type OnKernelStart = (kernel: IKernelLike) => IDisposableLike | void;

interface IKernelState {
  /** This start of the kernel still needs its bootstrap. */
  pending: boolean;
  /** Waiting for kernel info (so a burst of idles checks once). */
  checking: boolean;
  /** Bumped at each restart, to drop work begun for the previous start. */
  epoch: number;
  /** The context that restarted the kernel: in JupyterLite only its connection lives on. */
  restartedBy: ISessionContextLike | null;
  /** What `onStart` returned for the current start (its channel). */
  current: IDisposableLike | null;
}

export class KernelBootstrapper {
  constructor(onStart: OnKernelStart) {
    this._onStart = onStart;
  }

  /** Number of kernels with state (for tests and debugging). */
  get size(): number {
    return this._states.size;
  }

  /** Follow a session context (a notebook's or a console's). Idempotent. */
  watch(context: ISessionContextLike): void {
    if (this._disposed || context.isDisposed || this._contexts.has(context)) {
      return;
    }
    this._contexts.add(context);
    context.kernelChanged.connect(this._onKernelChanged, this);
    context.statusChanged.connect(this._onStatus, this);
    context.disposed.connect(this._onContextDisposed, this);
    const kernel = context.session?.kernel;
    if (kernel) {
      this._seen(context, kernel);
    }
  }

  /**
   * Forget kernels that are no longer running and that no watched context
   * uses (fed from the kernel manager's runningChanged).
   */
  retain(runningIds: Iterable<string>): void {
    const running = new Set(runningIds);
    const used = new Set<string>();
    for (const context of this._contexts) {
      const id = context.session?.kernel?.id;
      if (id) {
        used.add(id);
      }
    }
    for (const [id, state] of this._states) {
      if (!running.has(id) && !used.has(id)) {
        this._endStart(state);
        this._states.delete(id);
      }
    }
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const context of this._contexts) {
      this._disconnect(context);
    }
    this._contexts.clear();
    for (const state of this._states.values()) {
      this._endStart(state);
    }
    this._states.clear();
  }

  private _onKernelChanged(
    context: ISessionContextLike,
    args: { newValue: IKernelLike | null }
  ): void {
    if (args.newValue) {
      this._seen(context, args.newValue);
    }
  }

  private _onStatus(context: ISessionContextLike, status: Kernel.Status): void {
    const kernel = context.session?.kernel;
    if (!kernel) {
      return;
    }
    switch (status) {
      case 'restarting':
      case 'autorestarting':
        this._restarted(context, kernel.id);
        break;
      case 'idle':
        void this._maybeStart(context, kernel);
        break;
      case 'dead': {
        const state = this._states.get(kernel.id);
        if (state) {
          this._endStart(state);
        }
        break;
      }
      default:
        break;
    }
  }

  private _onContextDisposed(context: ISessionContextLike): void {
    this._disconnect(context);
    this._contexts.delete(context);
  }

  private _disconnect(context: ISessionContextLike): void {
    context.kernelChanged.disconnect(this._onKernelChanged, this);
    context.statusChanged.disconnect(this._onStatus, this);
    context.disposed.disconnect(this._onContextDisposed, this);
  }

  /** A context shows a kernel: new kernels need a bootstrap. */
  private _seen(context: ISessionContextLike, kernel: IKernelLike): void {
    this._state(kernel.id);
    if (kernel.status === 'idle') {
      void this._maybeStart(context, kernel);
    }
  }

  private _restarted(context: ISessionContextLike, id: string): void {
    const state = this._state(id);
    state.pending = true;
    state.epoch++;
    state.restartedBy = context;
    this._endStart(state);
  }

  private _state(id: string): IKernelState {
    let state = this._states.get(id);
    if (!state) {
      state = {
        pending: true,
        checking: false,
        epoch: 0,
        restartedBy: null,
        current: null
      };
      this._states.set(id, state);
    }
    return state;
  }

  private async _maybeStart(
    context: ISessionContextLike,
    kernel: IKernelLike
  ): Promise<void> {
    if (this._disposed) {
      return;
    }
    const state = this._state(kernel.id);
    if (!state.pending || state.checking) {
      return;
    }
    const via = state.restartedBy;
    if (via && via !== context && !via.isDisposed) {
      return;
    }
    state.checking = true;
    const epoch = state.epoch;
    let info: KernelMessage.IInfoReply | undefined;
    try {
      info = await kernel.info;
    } catch (error) {
      console.warn(`${LOG_PREFIX} no kernel info for ${kernel.id}:`, error);
      state.checking = false;
      state.pending = false;
      return;
    }
    state.checking = false;
    if (this._disposed || this._states.get(kernel.id) !== state) {
      return;
    }
    if (epoch !== state.epoch) {
      // Restarted while we waited; its idle may have come and gone meanwhile.
      const retry = state.restartedBy ?? context;
      const retryKernel = retry.session?.kernel;
      if (retryKernel && retryKernel.status === 'idle') {
        void this._maybeStart(retry, retryKernel);
      }
      return;
    }
    state.pending = false;
    state.restartedBy = null;
    // CPython (JupyterLab) and other kernels: nothing to do for now.
    if (info?.implementation !== 'pyodide' || kernel.isDisposed) {
      return;
    }
    try {
      state.current = this._onStart(kernel) ?? null;
    } catch (error) {
      console.error(`${LOG_PREFIX} kernel bootstrap failed to start:`, error);
    }
  }

  /** Release what the previous start created (its channel). */
  private _endStart(state: IKernelState): void {
    const current = state.current;
    state.current = null;
    current?.dispose();
  }

  private _onStart: OnKernelStart;
  private _contexts = new Set<ISessionContextLike>();
  private _states = new Map<string, IKernelState>();
  private _disposed = false;
}

/**
 * Run the bootstrap code in `kernel`. Never rejects: failures are logged with
 * the project's prefix, since nobody awaits a kernel start.
 */
export async function runBootstrap(
  kernel: Pick<IKernelLike, 'id' | 'requestExecute'>,
  code: string
): Promise<boolean> {
  const started = Date.now();
  let future: Kernel.IShellFuture<
    KernelMessage.IExecuteRequestMsg,
    KernelMessage.IExecuteReplyMsg
  >;
  try {
    future = kernel.requestExecute({
      code,
      silent: true,
      store_history: false,
      // Never prompt, and do not abort cells the user queued if this fails.
      allow_stdin: false,
      stop_on_error: false
    });
  } catch (error) {
    console.error(`${LOG_PREFIX} could not send the kernel bootstrap:`, error);
    return false;
  }
  // Silent execution shows nothing to the user; echo its stderr here so a
  // failing attach() can be diagnosed from the browser console.
  future.onIOPub = msg => {
    if (msg.header.msg_type === 'stream') {
      const content = (msg as KernelMessage.IStreamMsg).content;
      if (content.name === 'stderr') {
        console.warn(`${LOG_PREFIX} kernel bootstrap stderr: ${content.text}`);
      }
    }
  };
  let reply: KernelMessage.IExecuteReplyMsg;
  try {
    reply = await future.done;
  } catch (error) {
    // The kernel restarted or shut down first; the next start bootstraps again.
    console.debug(`${LOG_PREFIX} kernel bootstrap abandoned:`, error);
    return false;
  }
  const content = reply.content;
  if (content.status === 'ok') {
    console.debug(
      `${LOG_PREFIX} kernel ${kernel.id} bootstrapped in ${Date.now() - started} ms`
    );
    return true;
  }
  if (content.status === 'error') {
    console.error(
      `${LOG_PREFIX} kernel bootstrap failed: ${content.ename}: ${content.evalue}\n` +
        stripAnsi(content.traceback.join('\n'))
    );
  } else {
    console.error(`${LOG_PREFIX} kernel bootstrap failed: status ${content.status}`);
  }
  return false;
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
