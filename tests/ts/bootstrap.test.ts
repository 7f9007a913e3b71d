import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

import { Signal } from '@lumino/signaling';

import type { IKernelLike, ISessionContextLike } from '../../src/bootstrap';
import { bootstrapCode, KernelBootstrapper, runBootstrap } from '../../src/bootstrap';
import { newChannelName } from '../../src/channel';

const tick = () => new Promise(resolve => setImmediate(resolve));

/** A kernel connection stand-in: status, info and execute requests. */
class FakeKernel {
  status = 'unknown';
  isDisposed = false;
  executed: Record<string, unknown>[] = [];
  info: Promise<{ implementation: string }>;
  private _resolveInfo!: (info: { implementation: string }) => void;

  constructor(readonly id: string) {
    this.info = new Promise(resolve => (this._resolveInfo = resolve));
  }
  replyInfo(implementation = 'pyodide'): void {
    this._resolveInfo({ implementation });
  }
  requestExecute(content: Record<string, unknown>) {
    this.executed.push(content);
    return { done: new Promise(() => undefined), onIOPub: undefined };
  }
}

/** A session context stand-in (a notebook's or a console's). */
class FakeContext {
  readonly kernelChanged = new Signal<this, { newValue: FakeKernel | null }>(this);
  readonly statusChanged = new Signal<this, string>(this);
  readonly disposed = new Signal<this, void>(this);
  isDisposed = false;
  session: { kernel: FakeKernel | null } | null = null;

  setKernel(kernel: FakeKernel | null): void {
    this.session = kernel ? { kernel } : null;
    this.kernelChanged.emit({ newValue: kernel });
  }
  /** The kernel's status changes, as the context proxies it. */
  setStatus(status: string): void {
    const kernel = this.session?.kernel;
    if (kernel && kernel.status !== status) {
      kernel.status = status;
      this.statusChanged.emit(status);
    }
  }
  dispose(): void {
    this.isDisposed = true;
    this.disposed.emit();
    Signal.clearData(this);
  }
}

function setup() {
  const starts: { id: string; kernel: FakeKernel; disposed: boolean }[] = [];
  const bootstrapper = new KernelBootstrapper(kernel => {
    const start = { id: kernel.id, kernel: kernel as unknown as FakeKernel, disposed: false };
    starts.push(start);
    return { dispose: () => (start.disposed = true) };
  });
  const watch = (context: FakeContext) =>
    bootstrapper.watch(context as unknown as ISessionContextLike);
  return { bootstrapper, starts, watch };
}

/** A fresh kernel in a context: connected, answers kernel info, goes idle. */
async function startKernel(context: FakeContext, kernel: FakeKernel, implementation = 'pyodide') {
  context.setKernel(kernel);
  context.setStatus('busy');
  kernel.replyInfo(implementation);
  await tick();
  context.setStatus('idle');
  await tick();
}

/** JupyterLite's restart as the restarting context sees it. */
async function restartKernel(context: FakeContext) {
  context.setStatus('restarting');
  context.setStatus('unknown');
  context.setStatus('busy');
  await tick();
  context.setStatus('idle');
  await tick();
}

describe('bootstrapCode', () => {
  it('is the code block of docs/kernel-page-protocol.md with the name filled in', () => {
    const doc = readFileSync(
      resolve(__dirname, '../../../../docs/kernel-page-protocol.md'),
      'utf-8'
    );
    const block = /```python\n([\s\S]*?)```/.exec(doc);
    assert.ok(block, 'python block in the protocol doc');
    const template = block[1]
      .split('\n')
      .map(line => line.replace(/^ {3}/, ''))
      .join('\n');
    const name = newChannelName();
    assert.equal(bootstrapCode(name), template.replace('<name>', name));
  });

  it('refuses any name that does not match the channel pattern', () => {
    for (const bad of ['x', 'jupyterlite-auth-' + '0'.repeat(31) + '"', 'jupyterlite-auth-")\nimport os#']) {
      assert.throws(() => bootstrapCode(bad), /invalid channel name/);
    }
  });
});

describe('KernelBootstrapper', () => {
  it('starts once a Pyodide kernel is idle, and only once', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    context.setStatus('busy');
    context.setStatus('idle');
    await tick();
    assert.equal(starts.length, 0, 'not before kernel info');
    kernel.replyInfo('pyodide');
    await tick();
    assert.equal(starts.length, 1);
    assert.equal(starts[0].kernel, kernel);
    for (const status of ['busy', 'idle', 'busy', 'idle']) {
      context.setStatus(status);
    }
    await tick();
    assert.equal(starts.length, 1, 'later activity does not bootstrap again');
  });

  it('does not start while the kernel is busy', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    kernel.replyInfo('pyodide');
    context.setStatus('busy');
    await tick();
    assert.equal(starts.length, 0);
    context.setStatus('idle');
    await tick();
    assert.equal(starts.length, 1);
  });

  it('starts a kernel that is already idle when its context is watched', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    const kernel = new FakeKernel('k1');
    context.session = { kernel };
    kernel.status = 'idle';
    kernel.replyInfo('pyodide');
    watch(context);
    watch(context); // idempotent
    await tick();
    assert.equal(starts.length, 1);
  });

  it('starts again after each restart, releasing the previous start', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    await startKernel(context, new FakeKernel('k1'));
    assert.equal(starts.length, 1);
    for (let restart = 1; restart <= 3; restart++) {
      context.setStatus('restarting');
      assert.equal(starts[restart - 1].disposed, true, 'previous channel closed at restart');
      await restartKernel(context);
      assert.equal(starts.length, restart + 1);
      assert.equal(starts[restart].disposed, false);
    }
  });

  it('bootstraps a kernel shared by a notebook and a console once', async () => {
    const { starts, watch } = setup();
    const notebook = new FakeContext();
    const console_ = new FakeContext();
    watch(notebook);
    watch(console_);
    await startKernel(notebook, new FakeKernel('k1'));
    // The console connects later to the same kernel (its own connection).
    await startKernel(console_, new FakeKernel('k1'));
    assert.equal(starts.length, 1);
    // Both see the same idle broadcast later: still once.
    notebook.setStatus('busy');
    console_.setStatus('busy');
    notebook.setStatus('idle');
    console_.setStatus('idle');
    await tick();
    assert.equal(starts.length, 1);
  });

  it('after a restart, bootstraps through the context that restarted', async () => {
    const { starts, watch } = setup();
    const notebook = new FakeContext();
    const console_ = new FakeContext();
    watch(notebook);
    watch(console_);
    const nbKernel = new FakeKernel('k1');
    const consoleKernel = new FakeKernel('k1');
    await startKernel(notebook, nbKernel);
    await startKernel(console_, consoleKernel);
    console_.setStatus('restarting');
    // A stale idle on the notebook's (now orphaned) connection is ignored.
    notebook.setStatus('busy');
    notebook.setStatus('idle');
    await tick();
    assert.equal(starts.length, 1);
    await restartKernel(console_);
    assert.equal(starts.length, 2);
    assert.equal(starts[1].kernel, consoleKernel);
  });

  it('handles a restart that happens while kernel info is awaited', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    context.setStatus('busy');
    context.setStatus('idle'); // checking: kernel info not there yet
    context.setStatus('restarting');
    context.setStatus('busy');
    context.setStatus('idle'); // the new start's idle, while still checking
    kernel.replyInfo('pyodide');
    await tick();
    await tick();
    assert.equal(starts.length, 1);
  });

  it('leaves non-Pyodide kernels alone, also after restarts', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    await startKernel(context, kernel, 'ipython');
    await restartKernel(context);
    assert.equal(starts.length, 0);
    assert.deepEqual(kernel.executed, []);
  });

  it('follows a context to a new kernel', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    await startKernel(context, new FakeKernel('k1'));
    await startKernel(context, new FakeKernel('k2'));
    assert.deepEqual(
      starts.map(s => s.id),
      ['k1', 'k2']
    );
  });

  it('stops following disposed contexts', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel);
    context.dispose();
    kernel.replyInfo('pyodide');
    kernel.status = 'idle';
    await tick();
    assert.equal(starts.length, 0);
  });

  it('forgets kernels that are shut down, closing their channel', async () => {
    const { bootstrapper, starts, watch } = setup();
    const a = new FakeContext();
    const b = new FakeContext();
    watch(a);
    watch(b);
    await startKernel(a, new FakeKernel('k1'));
    await startKernel(b, new FakeKernel('k2'));
    assert.equal(bootstrapper.size, 2);
    // k1 is gone from the server but still shown by context a: kept.
    bootstrapper.retain(['k2']);
    assert.equal(bootstrapper.size, 2);
    a.setKernel(null);
    bootstrapper.retain(['k2']);
    assert.equal(bootstrapper.size, 1);
    assert.deepEqual(
      starts.map(s => [s.id, s.disposed]),
      [
        ['k1', true],
        ['k2', false]
      ]
    );
    bootstrapper.dispose();
    assert.equal(starts[1].disposed, true);
  });

  it('closes the channel of a dead kernel', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    await startKernel(context, new FakeKernel('k1'));
    context.setStatus('dead');
    assert.equal(starts[0].disposed, true);
  });
});

describe('runBootstrap', () => {
  function kernelReplying(reply: Promise<unknown>) {
    const sent: Record<string, unknown>[] = [];
    const kernel = {
      id: 'k1',
      requestExecute(content: Record<string, unknown>) {
        sent.push(content);
        return { done: reply, onIOPub: undefined };
      }
    } as unknown as IKernelLike;
    return { kernel, sent };
  }

  function captureConsole<T>(fn: () => Promise<T>) {
    const logged: { level: string; args: unknown[] }[] = [];
    const saved = { error: console.error, warn: console.warn, debug: console.debug };
    for (const level of ['error', 'warn', 'debug'] as const) {
      console[level] = (...args: unknown[]) => logged.push({ level, args });
    }
    return fn()
      .then(result => ({ result, logged }))
      .finally(() => Object.assign(console, saved));
  }

  it('executes silently, without history, stdin or stop-on-error', async () => {
    const { kernel, sent } = kernelReplying(Promise.resolve({ content: { status: 'ok' } }));
    const { result } = await captureConsole(() => runBootstrap(kernel, 'pass'));
    assert.equal(result, true);
    assert.deepEqual(sent, [
      { code: 'pass', silent: true, store_history: false, allow_stdin: false, stop_on_error: false }
    ]);
  });

  it('logs an error reply with the project prefix', async () => {
    const { kernel } = kernelReplying(
      Promise.resolve({
        content: {
          status: 'error',
          ename: 'ModuleNotFoundError',
          evalue: "No module named 'jupyterlite_auth'",
          traceback: ['\u001b[31mTraceback\u001b[0m']
        }
      })
    );
    const { result, logged } = await captureConsole(() => runBootstrap(kernel, 'x'));
    assert.equal(result, false);
    const errors = logged.filter(l => l.level === 'error');
    assert.equal(errors.length, 1);
    const text = String(errors[0].args[0]);
    assert.match(text, /^\[jupyterlite-auth\] kernel bootstrap failed: ModuleNotFoundError/);
    assert.match(text, /Traceback/);
    assert.doesNotMatch(text, /\u001b/);
  });

  it('does not report an error when the kernel went away first', async () => {
    const { kernel } = kernelReplying(Promise.reject(new Error('Canceled future')));
    const { result, logged } = await captureConsole(() => runBootstrap(kernel, 'x'));
    assert.equal(result, false);
    assert.equal(logged.filter(l => l.level === 'error').length, 0);
  });
});
