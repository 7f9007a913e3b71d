import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

import { Signal } from '@lumino/signaling';

import type { IKernelLike, ISessionContextLike } from '../../src/bootstrap';
import {
  bootstrapCode,
  isJupyterLite,
  isPythonSpec,
  KernelBootstrapper,
  LITE_KERNEL_CLIENT_PLUGIN,
  runBootstrap
} from '../../src/bootstrap';
import { newChannelName } from '../../src/channel';

const tick = () => new Promise(resolve => setImmediate(resolve));

const BOOTSTRAP = '# the bootstrap';

/**
 * A kernel connection stand-in. `queue` is what the connection will deliver
 * to the kernel, in order: like JupyterLab's KernelConnection it keeps
 * requests made while the kernel is not reachable, in order, and drops them
 * when a restart begins (_clearKernelState, right after it reports
 * `restarting`).
 */
class FakeKernel {
  status = 'unknown';
  isDisposed = false;
  queue: string[] = [];
  /** Requests dropped by restarts. */
  dropped: string[] = [];

  constructor(
    readonly id: string,
    readonly name = 'python'
  ) {}

  requestExecute(content: { code: string }) {
    this.queue.push(content.code);
    return { done: new Promise(() => undefined), onIOPub: undefined };
  }
  clearQueue(): void {
    this.dropped.push(...this.queue);
    this.queue = [];
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
  /**
   * SessionContext.restartKernel() as JupyterLab 4.6 runs it, synchronously
   * up to its first await: the context reports `restarting`, then calls
   * kernel.restart(), which reports `restarting` again (proxied by the
   * context) and drops the connection's queue.
   */
  beginRestart(): void {
    const kernel = this.session!.kernel!;
    this.statusChanged.emit('restarting');
    kernel.status = 'restarting';
    this.statusChanged.emit('restarting');
    kernel.clearQueue();
  }
  /** The rest of the restart: the new kernel comes up; the context re-announces its kernel. */
  finishRestart(): void {
    this.setStatus('starting');
    this.setStatus('busy');
    this.setStatus('idle');
    this.kernelChanged.emit({ newValue: this.session!.kernel });
  }
  dispose(): void {
    this.isDisposed = true;
    this.disposed.emit();
  }
}

function setup(accepts: (kernel: IKernelLike) => boolean | Promise<boolean> = () => true) {
  const starts: { id: string; kernel: FakeKernel; disposed: boolean }[] = [];
  const asked: string[] = [];
  const bootstrapper = new KernelBootstrapper({
    accepts: kernel => {
      asked.push(kernel.id);
      return accepts(kernel);
    },
    onStart: kernel => {
      const start = { id: kernel.id, kernel: kernel as unknown as FakeKernel, disposed: false };
      starts.push(start);
      // As index.ts does: runBootstrap sends its request before its first await.
      void runBootstrap(kernel, BOOTSTRAP);
      return { dispose: () => (start.disposed = true) };
    }
  });
  const watch = (context: FakeContext) =>
    bootstrapper.watch(context as unknown as ISessionContextLike);
  return { bootstrapper, starts, asked, watch };
}

/** A fresh kernel in a context: connected, starting, then idle. */
async function startKernel(context: FakeContext, kernel: FakeKernel) {
  context.setKernel(kernel);
  context.setStatus('starting');
  context.setStatus('busy');
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

  it('is wrapped: every step that can fail runs under a catch-all, so the reply is ok', () => {
    const name = newChannelName();
    const lines = bootstrapCode(name).split('\n');
    const indent = (line: string) => /^ */.exec(line)![0].length;
    // At top level: only the definition of the function, and its awaited call
    // whose `finally` deletes it again.
    const top = lines.filter(line => line && indent(line) === 0);
    assert.deepEqual(top, [
      'async def _jupyterlite_auth_bootstrap():',
      'try:',
      'finally:'
    ]);
    assert.deepEqual(lines.slice(-5), [
      'try:',
      '    await _jupyterlite_auth_bootstrap()',
      'finally:',
      '    del _jupyterlite_auth_bootstrap',
      ''
    ]);
    // Inside it: the import/install/attach steps sit in a `try` whose handler
    // catches BaseException (KeyboardInterrupt, CancelledError included).
    const guard = lines.indexOf('    try:', lines.indexOf('        return'));
    const handler = lines.indexOf('    except BaseException as error:');
    assert.ok(guard > 0 && handler > guard, 'guarded block');
    for (const step of [
      'import jupyterlite_auth',
      'await piplite.install("jupyterlite-auth")',
      'import jupyterlite_auth._page',
      `await jupyterlite_auth._page.attach("${name}")`
    ]) {
      const at = lines.findIndex(line => line.trim() === step);
      assert.ok(at > guard && at < handler && indent(lines[at]) > 4, `${step} is guarded`);
    }
    // Before the guard, only the non-Pyodide check, which catches its own ImportError.
    assert.deepEqual(lines.slice(1, guard).map(line => line.trim()), [
      'import sys',
      'try:',
      'import js, pyodide.ffi',
      'except ImportError as error:',
      lines[5].trim(),
      'return'
    ]);
    assert.match(lines[5], /print\(f"jupyterlite-auth: bootstrap skipped, not a Pyodide kernel/);
    // The handler reports on stderr and does not re-raise.
    const after = lines.slice(handler + 1, lines.indexOf('try:', handler));
    assert.ok(after.every(line => indent(line) >= 8), 'handler ends the function');
    assert.ok(after.some(line => /print\(f"jupyterlite-auth: bootstrap failed: .*file=sys\.stderr\)/.test(line)));
    assert.ok(after.some(line => line.trim() === 'traceback.print_exc()'));
    assert.ok(!after.some(line => /\braise\b/.test(line)));
    // The channel name is still the only value written into source.
    assert.equal(bootstrapCode(name).split(name).length, 2);
  });
});

/**
 * Runs bootstrapCode() in CPython, as IPython runs a cell with top-level
 * await, with stand-in modules. CPython has no `js`/`pyodide` modules, so it
 * is also the "Python kernel that is not Pyodide" case.
 */
describe('bootstrapCode in Python', () => {
  const python = spawnSync('python3', ['-c', 'import sys; assert sys.version_info >= (3, 8)']);
  const skip = python.status === 0 ? false : 'python3 >= 3.8 is not available';

  const HARNESS = String.raw`
import ast, asyncio, json, sys, types, io, contextlib
code, scenario = sys.argv[1], sys.argv[2]
calls = []
if scenario != "not-pyodide":
    sys.modules["js"] = types.ModuleType("js")
    sys.modules["pyodide"] = types.ModuleType("pyodide")
    sys.modules["pyodide.ffi"] = types.ModuleType("pyodide.ffi")
    sys.modules["pyodide"].ffi = sys.modules["pyodide.ffi"]
def fail(kind):
    exc = {"value": ValueError("bad\nsettings"), "interrupt": KeyboardInterrupt(), "cancel": asyncio.CancelledError()}[kind]
    raise exc
async def attach(name):
    calls.append(("attach", name))
    if scenario.startswith("attach-"):
        fail(scenario[len("attach-"):])
page = types.ModuleType("jupyterlite_auth._page")
page.attach = attach
async def install(name):
    calls.append(("install", name))
    if scenario == "install-fails":
        raise ValueError("Can't find a pure Python 3 wheel for 'jupyterlite-auth'")
    pkg = types.ModuleType("jupyterlite_auth")
    pkg._page = page
    sys.modules["jupyterlite_auth"] = pkg
    sys.modules["jupyterlite_auth._page"] = page
piplite = types.ModuleType("piplite")
piplite.install = install
sys.modules["piplite"] = piplite
if scenario != "not-installed" and scenario != "install-fails":
    install_now = types.ModuleType("jupyterlite_auth")
    install_now._page = page
    sys.modules["jupyterlite_auth"] = install_now
    sys.modules["jupyterlite_auth._page"] = page
else:
    sys.modules["jupyterlite_auth"] = None  # import raises ImportError
ns = {"__name__": "__main__"}
err = io.StringIO()
raised = None
async def main():
    result = eval(compile(code, "<bootstrap>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT), ns)
    if asyncio.iscoroutine(result):
        await result
try:
    with contextlib.redirect_stderr(err):
        asyncio.run(main())
except BaseException as e:
    raised = type(e).__name__ + ": " + str(e)
print(json.dumps({"raised": raised, "stderr": err.getvalue(), "calls": calls,
                  "names": sorted(k for k in ns if not k.startswith("__"))}))
`;

  function run(scenario: string) {
    const name = newChannelName();
    const result = spawnSync('python3', ['-I', '-c', HARNESS, bootstrapCode(name), scenario], {
      encoding: 'utf-8'
    });
    assert.equal(result.status, 0, result.stderr);
    const out = JSON.parse(result.stdout) as {
      raised: string | null;
      stderr: string;
      calls: [string, string][];
      names: string[];
    };
    return { name, ...out };
  }

  it('attaches silently when all goes well, leaving no names behind', { skip }, () => {
    const { name, raised, stderr, calls, names } = run('ok');
    assert.equal(raised, null);
    assert.equal(stderr, '');
    assert.deepEqual(calls, [['attach', name]]);
    assert.deepEqual(names, []);
  });

  it('installs the package first when it is missing', { skip }, () => {
    const { name, raised, stderr, calls } = run('not-installed');
    assert.equal(raised, null);
    assert.equal(stderr, '');
    assert.deepEqual(calls, [
      ['install', 'jupyterlite-auth'],
      ['attach', name]
    ]);
  });

  for (const [scenario, diagnosis] of [
    ['attach-value', 'jupyterlite-auth: bootstrap failed: ValueError: bad settings'],
    ['attach-interrupt', 'jupyterlite-auth: bootstrap failed: KeyboardInterrupt: '],
    ['attach-cancel', 'jupyterlite-auth: bootstrap failed: CancelledError: '],
    [
      'install-fails',
      "jupyterlite-auth: bootstrap failed: ValueError: Can't find a pure Python 3 wheel for 'jupyterlite-auth'"
    ]
  ]) {
    it(`does not raise when it fails (${scenario}): one line, then the traceback`, { skip }, () => {
      const { raised, stderr, names } = run(scenario);
      assert.equal(raised, null, 'nothing escapes, so the execute reply is ok');
      const lines = stderr.split('\n');
      assert.equal(lines[0], diagnosis);
      assert.equal(lines[1], 'Traceback (most recent call last):');
      assert.deepEqual(names, []);
    });
  }

  it('skips a Python kernel that is not Pyodide, saying why in one line', { skip }, () => {
    const { raised, stderr, calls, names } = run('not-pyodide');
    assert.equal(raised, null);
    assert.equal(
      stderr,
      "jupyterlite-auth: bootstrap skipped, not a Pyodide kernel (No module named 'js')\n"
    );
    assert.deepEqual(calls, []);
    assert.deepEqual(names, []);
  });
});

describe('isJupyterLite and isPythonSpec', () => {
  it('knows JupyterLite by its kernel client plugin or its app name', () => {
    const app = (name: string, plugins: string[]) => ({
      name,
      hasPlugin: (id: string) => plugins.includes(id)
    });
    assert.equal(isJupyterLite(app('My Site', [LITE_KERNEL_CLIENT_PLUGIN])), true);
    assert.equal(isJupyterLite(app('JupyterLite', [])), true);
    assert.equal(isJupyterLite(app('JupyterLab', ['@jupyterlab/notebook-extension:tracker'])), false);
    assert.equal(isJupyterLite(app('Jupyter Notebook', [])), false);
  });

  it('reads the language from the kernel specs the page holds', () => {
    const spec = (name: string, language: string) => ({
      name,
      language,
      display_name: name,
      argv: [],
      resources: {}
    });
    const specs = {
      default: 'python',
      kernelspecs: {
        python: spec('python', 'python'), // Pyodide
        xpython: spec('xpython', 'Python'), // xeus-python
        javascript: spec('javascript', 'javascript')
      }
    };
    assert.equal(isPythonSpec(specs, 'python'), true);
    assert.equal(isPythonSpec(specs, 'xpython'), true);
    assert.equal(isPythonSpec(specs, 'javascript'), false);
    assert.equal(isPythonSpec(specs, 'nope'), undefined);
    assert.equal(isPythonSpec(null, 'python'), undefined);
  });
});

describe('KernelBootstrapper', () => {
  it('sends the bootstrap the moment a context has a new kernel, before any status', () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    context.setKernel(kernel); // synchronously, no tick
    assert.equal(starts.length, 1);
    assert.equal(starts[0].kernel, kernel);
    assert.deepEqual(kernel.queue, [BOOTSTRAP]);
  });

  it('is queued before the kernel first reports idle', async () => {
    const { watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    let atFirstIdle: string[] | null = null;
    context.statusChanged.connect((_, status) => {
      if (status === 'idle' && !atFirstIdle) {
        atFirstIdle = [...kernel.queue];
      }
    });
    await startKernel(context, kernel);
    assert.deepEqual(atFirstIdle, [BOOTSTRAP]);
  });

  it('is ahead of a cell the user runs right after the kernel connects', async () => {
    const { watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    // A cell can only run once the context has a kernel (CodeCell.execute
    // skips it before), i.e. after the signal on which we send.
    context.setKernel(kernel);
    kernel.requestExecute({ code: 'await authenticate()' });
    context.setStatus('starting');
    kernel.requestExecute({ code: 'print(1)' });
    await startKernel(context, kernel);
    assert.deepEqual(kernel.queue, [BOOTSTRAP, 'await authenticate()', 'print(1)']);
  });

  it('bootstraps each kernel start once, whatever statuses follow', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    await startKernel(context, kernel);
    for (const status of ['busy', 'idle', 'busy', 'idle', 'unknown', 'idle']) {
      context.setStatus(status);
    }
    context.kernelChanged.emit({ newValue: kernel }); // the same kernel, re-announced
    await tick();
    assert.equal(starts.length, 1);
    assert.deepEqual(kernel.queue, [BOOTSTRAP]);
  });

  it('hands every connection object of a kernel to onConnection, but starts the kernel once', async () => {
    const connections: FakeKernel[] = [];
    const starts: string[] = [];
    const bootstrapper = new KernelBootstrapper({
      accepts: () => true,
      onStart: kernel => {
        starts.push(kernel.id);
        void runBootstrap(kernel, BOOTSTRAP);
      },
      onConnection: kernel => connections.push(kernel as unknown as FakeKernel)
    });
    const notebook = new FakeContext();
    const console_ = new FakeContext();
    bootstrapper.watch(notebook as unknown as ISessionContextLike);
    bootstrapper.watch(console_ as unknown as ISessionContextLike);
    const first = new FakeKernel('k1');
    await startKernel(notebook, first);
    // JupyterLab replaces the notebook's connection object for the same kernel, and a console
    // connects to it with an object of its own: both are what the user interrupts.
    const replacement = new FakeKernel('k1');
    notebook.setKernel(replacement);
    const other = new FakeKernel('k1');
    console_.setKernel(other);
    await tick();
    assert.deepEqual(starts, ['k1']);
    assert.ok(connections.includes(first) && connections.includes(replacement) && connections.includes(other));
  });

  it('keeps going when onConnection throws', async () => {
    const starts: string[] = [];
    const bootstrapper = new KernelBootstrapper({
      accepts: () => true,
      onStart: kernel => {
        starts.push(kernel.id);
      },
      onConnection: () => {
        throw new Error('hook failed');
      }
    });
    const context = new FakeContext();
    bootstrapper.watch(context as unknown as ISessionContextLike);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void errors.push(args);
    try {
      await startKernel(context, new FakeKernel('k1'));
    } finally {
      console.error = original;
    }
    assert.deepEqual(starts, ['k1']);
    assert.equal(errors.length, 1);
  });

  it('starts a kernel that is already connected when its context is watched', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    const kernel = new FakeKernel('k1');
    context.session = { kernel };
    kernel.status = 'idle';
    watch(context);
    watch(context); // idempotent
    await tick();
    assert.equal(starts.length, 1);
  });

  it('starts again after each restart, ahead of cells queued during the restart', async () => {
    const { starts, watch } = setup();
    const context = new FakeContext();
    watch(context);
    const kernel = new FakeKernel('k1');
    await startKernel(context, kernel);
    for (let restart = 1; restart <= 3; restart++) {
      kernel.queue = [];
      context.beginRestart();
      assert.equal(starts[restart - 1].disposed, true, 'previous channel closed at restart');
      // Sent after the connection dropped its queue, in the same task: no
      // user input can come in between.
      await Promise.resolve();
      assert.deepEqual(kernel.queue, [BOOTSTRAP]);
      kernel.requestExecute({ code: 'user cell' });
      context.finishRestart();
      await tick();
      assert.equal(starts.length, restart + 1, 'once per restart, though reported twice');
      assert.equal(starts[restart].disposed, false);
      assert.deepEqual(kernel.queue, [BOOTSTRAP, 'user cell']);
    }
    assert.deepEqual(kernel.dropped, [], 'no bootstrap was sent into a queue about to be dropped');
  });

  it('bootstraps a kernel shared by a notebook and a console once', async () => {
    const { starts, watch } = setup();
    const notebook = new FakeContext();
    const console_ = new FakeContext();
    watch(notebook);
    watch(console_);
    const nbKernel = new FakeKernel('k1');
    const consoleKernel = new FakeKernel('k1');
    await startKernel(notebook, nbKernel);
    // The console connects later to the same kernel (its own connection).
    await startKernel(console_, consoleKernel);
    notebook.setStatus('busy');
    console_.setStatus('busy');
    notebook.setStatus('idle');
    console_.setStatus('idle');
    await tick();
    assert.equal(starts.length, 1);
    assert.deepEqual(nbKernel.queue, [BOOTSTRAP]);
    assert.deepEqual(consoleKernel.queue, []);
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
    console_.beginRestart();
    // Activity on the notebook's (now orphaned) connection changes nothing.
    notebook.setStatus('busy');
    notebook.setStatus('idle');
    await tick();
    console_.finishRestart();
    await tick();
    assert.equal(starts.length, 2);
    assert.equal(starts[1].kernel, consoleKernel);
    assert.deepEqual(consoleKernel.queue, [BOOTSTRAP]);
  });

  it('asks accepts() once per kernel, and leaves refused kernels alone, also after restarts', async () => {
    const { starts, asked, watch } = setup(kernel => kernel.name !== 'ipython');
    const context = new FakeContext();
    const other = new FakeContext();
    watch(context);
    watch(other);
    const kernel = new FakeKernel('k1', 'ipython');
    await startKernel(context, kernel);
    await startKernel(other, new FakeKernel('k1', 'ipython'));
    context.beginRestart();
    await tick();
    context.finishRestart();
    await tick();
    assert.equal(starts.length, 0);
    assert.deepEqual(kernel.queue, []);
    assert.deepEqual(asked, ['k1']);
  });

  it('waits for an asynchronous accepts(), then sends once through the current connection', async () => {
    let answer!: (accepted: boolean) => void;
    const { starts, asked, watch } = setup(
      () => new Promise<boolean>(resolve => (answer = resolve))
    );
    const notebook = new FakeContext();
    const console_ = new FakeContext();
    watch(notebook);
    watch(console_);
    const nbKernel = new FakeKernel('k1');
    const consoleKernel = new FakeKernel('k1');
    notebook.setKernel(nbKernel);
    console_.setKernel(consoleKernel);
    // Restarted from the console before the answer came.
    console_.beginRestart();
    await tick();
    assert.equal(starts.length, 0);
    answer(true);
    await tick();
    assert.equal(starts.length, 1);
    assert.equal(starts[0].kernel, consoleKernel);
    assert.deepEqual(asked, ['k1']);
    console_.finishRestart();
    await tick();
    assert.equal(starts.length, 1);
  });

  it('does not bootstrap when accepts() throws or rejects, and says so', async () => {
    const warned: unknown[][] = [];
    const saved = console.warn;
    console.warn = (...args: unknown[]) => warned.push(args);
    try {
      const throwing = setup(() => {
        throw new Error('no specs');
      });
      const a = new FakeContext();
      throwing.watch(a);
      a.setKernel(new FakeKernel('k1'));
      const rejecting = setup(() => Promise.reject(new Error('no specs')));
      const b = new FakeContext();
      rejecting.watch(b);
      b.setKernel(new FakeKernel('k2'));
      await tick();
      assert.equal(throwing.starts.length + rejecting.starts.length, 0);
      assert.equal(warned.length, 2);
      assert.match(String(warned[0][0]), /^\[jupyterlite-auth\] could not tell whether to bootstrap k1/);
    } finally {
      console.warn = saved;
    }
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
    context.dispose();
    context.setKernel(new FakeKernel('k1'));
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

  it('lists the live starts (channels) for broadcasting: one per kernel, current start only', async () => {
    let serial = 0;
    class Start {
      readonly n = ++serial;
      disposed = false;
      constructor(readonly id: string) {}
      dispose(): void {
        this.disposed = true;
      }
    }
    const bootstrapper = new KernelBootstrapper<Start>({
      accepts: kernel => kernel.name !== 'javascript',
      onStart: kernel => {
        void runBootstrap(kernel, BOOTSTRAP);
        return new Start(kernel.id);
      }
    });
    const watch = (context: FakeContext) =>
      bootstrapper.watch(context as unknown as ISessionContextLike);
    const live = () => bootstrapper.starts().map(start => [start.id, start.n]);
    assert.deepEqual(live(), []);
    const a = new FakeContext();
    const b = new FakeContext();
    const c = new FakeContext();
    [a, b, c].forEach(watch);
    await startKernel(a, new FakeKernel('k1'));
    await startKernel(b, new FakeKernel('k2'));
    await startKernel(c, new FakeKernel('k3', 'javascript'));
    assert.deepEqual(live(), [['k1', 1], ['k2', 2]], 'refused kernels have no channel');
    a.beginRestart();
    assert.deepEqual(live(), [['k2', 2]], 'a restarting kernel has none until its new start');
    await Promise.resolve();
    a.finishRestart();
    await tick();
    assert.deepEqual(live(), [['k1', 3], ['k2', 2]]);
    b.setStatus('dead');
    assert.deepEqual(live(), [['k1', 3]]);
    assert.equal(bootstrapper.startOf('k1')?.n, 3, 'the current start of a kernel, by id');
    assert.equal(bootstrapper.startOf('k2'), null, 'a dead kernel has none');
    assert.ok(bootstrapper.starts().every(start => !start.disposed));
    bootstrapper.dispose();
    assert.deepEqual(live(), []);
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

  it('echoes what the bootstrap wrote on stderr once, as a warning; the reply is still ok', async () => {
    let finish!: (reply: unknown) => void;
    const future: { done: Promise<unknown>; onIOPub?: (msg: unknown) => void } = {
      done: new Promise(resolve => (finish = resolve))
    };
    const kernel = {
      id: 'k1',
      requestExecute: () => future
    } as unknown as IKernelLike;
    const stream = (name: string, text: string) => ({
      header: { msg_type: 'stream' },
      content: { name, text }
    });
    const { result, logged } = await captureConsole(async () => {
      const running = runBootstrap(kernel, 'x');
      future.onIOPub!(stream('stderr', 'jupyterlite-auth: bootstrap failed: ValueError: bad\n'));
      future.onIOPub!(stream('stdout', 'not echoed\n'));
      future.onIOPub!(stream('stderr', 'Traceback (most recent call last):\n  ...\n'));
      finish({ content: { status: 'ok' } });
      return running;
    });
    assert.equal(result, true);
    assert.deepEqual(
      logged.filter(l => l.level !== 'debug'),
      [
        {
          level: 'warn',
          args: [
            '[jupyterlite-auth] kernel bootstrap stderr (k1):\n' +
              'jupyterlite-auth: bootstrap failed: ValueError: bad\n' +
              'Traceback (most recent call last):\n  ...'
          ]
        }
      ]
    );
  });

  it('does not report an error when the kernel went away first', async () => {
    const { kernel } = kernelReplying(Promise.reject(new Error('Canceled future')));
    const { result, logged } = await captureConsole(() => runBootstrap(kernel, 'x'));
    assert.equal(result, false);
    assert.equal(logged.filter(l => l.level === 'error').length, 0);
  });
});
