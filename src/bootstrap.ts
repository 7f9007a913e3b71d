/**
 * Kernel bootstrap: for every start and restart of a Pyodide kernel, run the
 * bootstrap code of docs/kernel-page-protocol.md once, with a fresh channel.
 *
 * The request is sent the moment a session context has a connection to a new
 * kernel (or, after a restart, as soon as the restarting connection has
 * dropped the old kernel's queue), not when the kernel first reports idle:
 * JupyterLite queues it and runs it before anything sent after it, so a cell
 * the user runs while the kernel is still starting runs after the bootstrap
 * and sees the site's settings. Which kernels get it is decided without a
 * kernel round-trip (see `accepts`): kernel info only arrives once the
 * kernel is up, which is too late.
 *
 * Kernels are watched through the session contexts the app already has
 * (notebooks, consoles), and the code runs on their own kernel connections.
 * A connection of our own would not do in JupyterLite 0.8: a restart replaces
 * the kernel behind the same id and only the connection that asked for the
 * restart is reconnected; any other connection silently stops receiving
 * anything, so it could not even tell that a restart happened.
 *
 * Per kernel id we keep one state, so a kernel shared by a notebook and a
 * console is bootstrapped once per start: through the context that first
 * showed it, and after a restart through the context that restarted it.
 */

import type { Kernel, KernelMessage, KernelSpec } from '@jupyterlab/services';
import type { ISignal } from '@lumino/signaling';

import { CHANNEL_NAME_RE } from './channel';
import { LOG_PREFIX } from './settings';

/**
 * The Python run in the kernel; `name` is the only value put into source.
 *
 * It never raises: in JupyterLite an `error` execute reply cancels every
 * message queued behind it, so a failing bootstrap would leave the cells the
 * user queued during kernel start pending forever. Failures and skips are
 * reported on stderr instead (one line, then the traceback for failures),
 * which `runBootstrap` echoes in the browser console. Everything lives in a
 * function that is deleted afterwards, so no name is left in the user's
 * namespace.
 */
export function bootstrapCode(name: string): string {
  if (!CHANNEL_NAME_RE.test(name)) {
    throw new Error(`invalid channel name: ${JSON.stringify(name)}`);
  }
  return [
    'async def _jupyterlite_auth_bootstrap():',
    '    import sys',
    '    try:',
    '        import js, pyodide.ffi',
    '    except ImportError as error:',
    '        print(f"jupyterlite-auth: bootstrap skipped, not a Pyodide kernel ({error})", file=sys.stderr)',
    '        return',
    '    try:',
    '        try:',
    '            import jupyterlite_auth',
    '        except ImportError:',
    '            import piplite',
    '            await piplite.install("jupyterlite-auth")',
    '        import jupyterlite_auth._page',
    `        await jupyterlite_auth._page.attach("${name}")`,
    '    except BaseException as error:',
    '        import traceback',
    '        reason = " ".join(str(error).split())',
    '        print(f"jupyterlite-auth: bootstrap failed: {type(error).__name__}: {reason}", file=sys.stderr)',
    '        traceback.print_exc()',
    'try:',
    '    await _jupyterlite_auth_bootstrap()',
    'finally:',
    '    del _jupyterlite_auth_bootstrap',
    ''
  ].join('\n');
}

/** The plugin that serves kernels in the page: present in JupyterLite only. */
export const LITE_KERNEL_CLIENT_PLUGIN =
  '@jupyterlite/services-extension:kernel-client';

/**
 * Whether the page is a JupyterLite app, where kernels run in the browser:
 * it has JupyterLite's in-page kernel client, or the app's name (PageConfig's
 * `appName`) says so.
 */
export function isJupyterLite(app: {
  readonly name: string;
  hasPlugin(id: string): boolean;
}): boolean {
  return app.hasPlugin(LITE_KERNEL_CLIENT_PLUGIN) || app.name === 'JupyterLite';
}

/**
 * Whether the kernel spec `name` is a Python one, from the specs the page
 * already holds; undefined while the specs (or this spec) are unknown.
 */
export function isPythonSpec(
  specs: KernelSpec.ISpecModels | null | undefined,
  name: string
): boolean | undefined {
  const spec = specs?.kernelspecs[name];
  if (!spec) {
    return undefined;
  }
  return (spec.language ?? '').toLowerCase() === 'python';
}

/** The parts of a kernel connection the bootstrap uses. */
export type IKernelLike = Pick<
  Kernel.IKernelConnection,
  'id' | 'name' | 'status' | 'isDisposed' | 'requestExecute'
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
 * Called once per start of an accepted kernel, as soon as its connection can
 * take the request (it must send it synchronously). Whatever it returns is
 * disposed when that kernel start ends (restart or shutdown).
 */
export type OnKernelStart<T extends IDisposableLike = IDisposableLike> = (
  kernel: IKernelLike
) => T | void;

export interface IKernelBootstrapperOptions<T extends IDisposableLike = IDisposableLike> {
  onStart: OnKernelStart<T>;
  /**
   * Whether a kernel gets the bootstrap, asked once per kernel id. It must
   * not need the kernel itself (no kernel info): answer synchronously when
   * possible, so the request goes out before the user can queue a cell.
   */
  accepts: (kernel: IKernelLike) => boolean | Promise<boolean>;
  /**
   * Called for every kernel connection object a context shows, also for a
   * kernel id already known: JupyterLab may replace a context's connection
   * object for the same kernel (each opens its own socket), and whatever must
   * hold for the object the user acts on (an interrupt hook) goes on each.
   */
  onConnection?: (kernel: IKernelLike) => void;
}

interface IKernelState<T extends IDisposableLike> {
  readonly id: string;
  /** Bumped at each restart. */
  epoch: number;
  /** The epoch whose bootstrap was sent (-1: none yet). */
  startedEpoch: number;
  /**
   * The context whose connection we use: the first that showed the kernel,
   * then the one that last restarted it (in JupyterLite only its connection
   * lives on).
   */
  via: ISessionContextLike;
  /** What `accepts` said; null until known. */
  accepted: boolean | null;
  /** `accepts` answered with a promise that has not settled yet. */
  classifying: boolean;
  /** A restart was seen; the request waits for the connection to clear its queue. */
  restartQueued: boolean;
  /** What `onStart` returned for the current start (its channel). */
  current: T | null;
}

export class KernelBootstrapper<T extends IDisposableLike = IDisposableLike> {
  constructor(options: IKernelBootstrapperOptions<T>) {
    this._onStart = options.onStart;
    this._accepts = options.accepts;
    this._onConnection = options.onConnection;
  }

  /** Number of kernels with state (for tests and debugging). */
  get size(): number {
    return this._states.size;
  }

  /**
   * What `onStart` returned for every kernel's current start (their
   * channels), e.g. to tell every live kernel something. Starts that ended
   * (restart, shutdown) are not included.
   */
  starts(): T[] {
    const starts: T[] = [];
    for (const state of this._states.values()) {
      if (state.current) {
        starts.push(state.current);
      }
    }
    return starts;
  }

  /** What `onStart` returned for this kernel's current start, if it has one. */
  startOf(kernelId: string): T | null {
    return this._states.get(kernelId)?.current ?? null;
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
        this._restarted(context, kernel);
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

  /**
   * A context shows a kernel. A kernel id seen for the first time is a new
   * kernel start: bootstrap it now, whatever its status. A known id is the
   * same start seen again (another context, or the kernelChanged that follows
   * a restart, which `_restarted` handles).
   */
  private _seen(context: ISessionContextLike, kernel: IKernelLike): void {
    if (this._disposed) {
      return;
    }
    try {
      this._onConnection?.(kernel);
    } catch (error) {
      console.error(`${LOG_PREFIX} kernel connection hook failed:`, error);
    }
    if (this._states.has(kernel.id)) {
      return;
    }
    const state = this._newState(kernel.id, context);
    this._tryStart(state);
  }

  /**
   * A context reports a restart. The kernel connection drops its queue of
   * unsent messages right after it reports `restarting` (synchronously, in
   * the same call), so a request sent from this signal would be lost: send it
   * in a microtask, which runs before any user input can queue a cell.
   */
  private _restarted(context: ISessionContextLike, kernel: IKernelLike): void {
    if (this._disposed) {
      return;
    }
    const state = this._states.get(kernel.id) ?? this._newState(kernel.id, context);
    if (state.restartQueued) {
      // The same restart, reported again (the session context announces it,
      // then the kernel connection does).
      return;
    }
    state.epoch++;
    state.via = context;
    state.restartQueued = true;
    this._endStart(state);
    queueMicrotask(() => {
      state.restartQueued = false;
      this._tryStart(state);
    });
  }

  private _newState(id: string, via: ISessionContextLike): IKernelState<T> {
    const state: IKernelState<T> = {
      id,
      epoch: 0,
      startedEpoch: -1,
      via,
      accepted: null,
      classifying: false,
      restartQueued: false,
      current: null
    };
    this._states.set(id, state);
    return state;
  }

  /** The live connection to the kernel of `state`, preferring `via`'s. */
  private _connection(state: IKernelState<T>): IKernelLike | null {
    const usable = (context: ISessionContextLike) => {
      const kernel = context.isDisposed ? null : context.session?.kernel;
      const live =
        kernel &&
        kernel.id === state.id &&
        !kernel.isDisposed &&
        kernel.status !== 'dead';
      return live ? kernel : null;
    };
    const kernel = usable(state.via);
    if (kernel) {
      return kernel;
    }
    for (const context of this._contexts) {
      const other = usable(context);
      if (other) {
        state.via = context;
        return other;
      }
    }
    return null;
  }

  /** Send the bootstrap of the current start, if due and the kernel is accepted. */
  private _tryStart(state: IKernelState<T>): void {
    if (
      this._disposed ||
      this._states.get(state.id) !== state ||
      state.restartQueued ||
      state.startedEpoch === state.epoch
    ) {
      return;
    }
    const kernel = this._connection(state);
    if (!kernel) {
      return;
    }
    if (state.accepted === null) {
      this._classify(state, kernel);
      return;
    }
    if (!state.accepted) {
      return;
    }
    state.startedEpoch = state.epoch;
    try {
      state.current = this._onStart(kernel) ?? null;
    } catch (error) {
      console.error(`${LOG_PREFIX} kernel bootstrap failed to start:`, error);
    }
  }

  private _classify(state: IKernelState<T>, kernel: IKernelLike): void {
    if (state.classifying) {
      return;
    }
    let answer: boolean | Promise<boolean>;
    try {
      answer = this._accepts(kernel);
    } catch (error) {
      console.warn(
        `${LOG_PREFIX} could not tell whether to bootstrap ${state.id}:`,
        error
      );
      answer = false;
    }
    if (typeof answer === 'boolean') {
      state.accepted = answer;
      if (answer) {
        this._tryStart(state);
      }
      return;
    }
    // Rare (the kernel specs were not loaded yet): the request goes out a
    // little later, through whatever connection is current by then.
    state.classifying = true;
    void answer
      .then(
        accepted => accepted === true,
        error => {
          console.warn(
            `${LOG_PREFIX} could not tell whether to bootstrap ${state.id}:`,
            error
          );
          return false;
        }
      )
      .then(accepted => {
        state.classifying = false;
        state.accepted = accepted;
        if (accepted) {
          this._tryStart(state);
        }
      });
  }

  /** Release what the previous start created (its channel). */
  private _endStart(state: IKernelState<T>): void {
    const current = state.current;
    state.current = null;
    current?.dispose();
  }

  private _onStart: OnKernelStart<T>;
  private _accepts: (kernel: IKernelLike) => boolean | Promise<boolean>;
  private _onConnection?: (kernel: IKernelLike) => void;
  private _contexts = new Set<ISessionContextLike>();
  private _states = new Map<string, IKernelState<T>>();
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
      // Never prompt. stop_on_error: false asks a kernel not to abort the
      // cells queued behind us; JupyterLite 0.8 ignores it (any error reply
      // cancels its queue), which is why bootstrapCode never raises.
      allow_stdin: false,
      stop_on_error: false
    });
  } catch (error) {
    console.error(`${LOG_PREFIX} could not send the kernel bootstrap:`, error);
    return false;
  }
  // Silent execution shows nothing to the user, and the bootstrap code reports
  // its failures and skips on stderr (it never raises): echo that here, once,
  // so they can be diagnosed from the browser console.
  let stderr = '';
  future.onIOPub = msg => {
    if (msg.header.msg_type === 'stream') {
      const content = (msg as KernelMessage.IStreamMsg).content;
      if (content.name === 'stderr') {
        stderr += content.text;
      }
    }
  };
  const echoStderr = () => {
    if (stderr.trim()) {
      const text = stripAnsi(stderr.trimEnd());
      console.warn(`${LOG_PREFIX} kernel bootstrap stderr (${kernel.id}):\n${text}`);
    }
  };
  let reply: KernelMessage.IExecuteReplyMsg;
  try {
    reply = await future.done;
  } catch (error) {
    // The kernel restarted or shut down first; the next start bootstraps again.
    echoStderr();
    console.debug(`${LOG_PREFIX} kernel bootstrap abandoned:`, error);
    return false;
  }
  echoStderr();
  const content = reply.content;
  if (content.status === 'ok') {
    if (!stderr.trim()) {
      console.debug(
        `${LOG_PREFIX} kernel ${kernel.id} bootstrapped in ${Date.now() - started} ms`
      );
    }
    return true;
  }
  // The code catches everything, so this is the kernel failing before running it.
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
