import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';

import { Signal } from '@lumino/signaling';

import type { IKernelLike, IKernelManagerLike } from '../../src/bootstrap';
import { bootstrapCode, KernelTracker, runBootstrap } from '../../src/bootstrap';
import { newChannelName } from '../../src/channel';

const tick = () => new Promise(resolve => setImmediate(resolve));

/** A kernel connection stand-in with just what the tracker touches. */
class FakeConnection {
  readonly statusChanged = new Signal<this, string>(this);
  readonly connectionStatusChanged = new Signal<this, string>(this);
  status = 'unknown';
  connectionStatus = 'connecting';
  isDisposed = false;
  reconnects = 0;
  executed: Record<string, unknown>[] = [];
  info: Promise<{ implementation: string }>;
  private _resolveInfo!: (info: { implementation: string }) => void;

  constructor(
    readonly id: string,
    readonly handleComms: boolean | undefined
  ) {
    this.info = new Promise(resolve => (this._resolveInfo = resolve));
  }

  // Test drivers.
  setConnection(status: string): void {
    this.connectionStatus = status;
    if (status !== 'connected') {
      this.setStatus('unknown');
    }
    this.connectionStatusChanged.emit(status);
  }
  setStatus(status: string): void {
    if (this.status !== status) {
      this.status = status;
      this.statusChanged.emit(status);
    }
  }
  replyInfo(implementation: string): void {
    this._resolveInfo({ implementation });
  }
  /** What a fresh kernel does for the connection's kernel_info_request. */
  async startsUp(implementation = 'pyodide'): Promise<void> {
    this.setConnection('connected');
    this.setStatus('busy');
    this.replyInfo(implementation);
    await tick();
    this.setStatus('idle');
    await tick();
  }

  // The IKernelLike surface.
  dispose(): void {
    if (!this.isDisposed) {
      this.isDisposed = true;
      this.setConnection('disconnected');
      Signal.clearData(this);
    }
  }
  reconnect(): Promise<void> {
    this.reconnects++;
    this.connectionStatus = 'connecting';
    return new Promise(() => undefined);
  }
  requestExecute(content: Record<string, unknown>) {
    this.executed.push(content);
    return { done: new Promise(() => undefined), onIOPub: undefined };
  }
}

class FakeManager {
  readonly runningChanged = new Signal<this, { id: string; name: string }[]>(this);
  models: { id: string; name: string }[] = [];
  connections: FakeConnection[] = [];

  running() {
    return this.models[Symbol.iterator]();
  }
  connectTo(options: { model: { id: string }; handleComms?: boolean }) {
    const conn = new FakeConnection(options.model.id, options.handleComms);
    this.connections.push(conn);
    return conn as unknown as IKernelLike;
  }
  setRunning(...ids: string[]): void {
    this.models = ids.map(id => ({ id, name: 'python' }));
    this.runningChanged.emit(this.models);
  }
}

function track(manager: FakeManager) {
  const starts: { id: string; disposed: boolean }[] = [];
  const tracker = new KernelTracker(manager as unknown as IKernelManagerLike, kernel => {
    const start = { id: kernel.id, disposed: false };
    starts.push(start);
    return { dispose: () => (start.disposed = true) };
  });
  tracker.start();
  return { tracker, starts };
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

describe('KernelTracker', () => {
  it('connects to each new kernel with comms off', () => {
    const manager = new FakeManager();
    track(manager);
    manager.setRunning('k1');
    assert.equal(manager.connections.length, 1);
    assert.equal(manager.connections[0].id, 'k1');
    assert.equal(manager.connections[0].handleComms, false);
    manager.setRunning('k1'); // same kernel again: no second connection
    assert.equal(manager.connections.length, 1);
  });

  it('tracks kernels already running at start', () => {
    const manager = new FakeManager();
    manager.models = [{ id: 'k0', name: 'python' }];
    const { tracker } = track(manager);
    assert.equal(tracker.size, 1);
  });

  it('starts once a Pyodide kernel is idle, and only once', async () => {
    const manager = new FakeManager();
    const { starts } = track(manager);
    manager.setRunning('k1');
    const conn = manager.connections[0];
    conn.setConnection('connected');
    conn.setStatus('busy');
    await tick();
    assert.equal(starts.length, 0, 'not before kernel info');
    conn.replyInfo('pyodide');
    await tick();
    assert.equal(starts.length, 0, 'not while busy');
    conn.setStatus('idle');
    await tick();
    assert.equal(starts.length, 1);
    // Later activity of the same kernel start does not bootstrap again.
    for (const status of ['busy', 'idle', 'busy', 'idle']) {
      conn.setStatus(status);
    }
    await tick();
    assert.equal(starts.length, 1);
  });

  it('starts at once when the kernel is already idle', async () => {
    const manager = new FakeManager();
    const { starts } = track(manager);
    manager.setRunning('k1');
    const conn = manager.connections[0];
    conn.setConnection('connected');
    conn.setStatus('idle');
    conn.replyInfo('pyodide');
    await tick();
    assert.equal(starts.length, 1);
  });

  it('starts again after each restart (socket closed, reconnected)', async () => {
    const manager = new FakeManager();
    const { starts } = track(manager);
    manager.setRunning('k1');
    const conn = manager.connections[0];
    await conn.startsUp();
    assert.equal(starts.length, 1);

    for (let restart = 1; restart <= 2; restart++) {
      // JupyterLite disposes the kernel: our socket closes for good.
      conn.setConnection('disconnected');
      assert.equal(starts[restart - 1].disposed, true, 'previous start released');
      assert.equal(conn.reconnects, restart, 'we reconnect ourselves');
      await conn.startsUp();
      assert.equal(starts.length, restart + 1);
      assert.equal(starts[restart].disposed, false);
    }
  });

  it('does not bootstrap a start that ended before the kernel was idle', async () => {
    const manager = new FakeManager();
    const { starts } = track(manager);
    manager.setRunning('k1');
    const conn = manager.connections[0];
    conn.setConnection('connected');
    conn.setStatus('busy');
    conn.replyInfo('pyodide');
    await tick();
    conn.setConnection('disconnected'); // restarted while starting
    await tick();
    assert.equal(starts.length, 0);
    await conn.startsUp();
    assert.equal(starts.length, 1);
  });

  it('retries a lost connection only after it had connected', async () => {
    const manager = new FakeManager();
    track(manager);
    manager.setRunning('k1');
    const conn = manager.connections[0];
    await conn.startsUp();
    conn.setConnection('disconnected');
    assert.equal(conn.reconnects, 1);
    // The reconnect attempts gave up (kernel gone): no endless loop.
    conn.setConnection('disconnected');
    assert.equal(conn.reconnects, 1);
  });

  it('leaves non-Pyodide kernels alone and drops its connection', async () => {
    const manager = new FakeManager();
    const { starts } = track(manager);
    manager.setRunning('k1');
    const conn = manager.connections[0];
    await conn.startsUp('ipython');
    assert.equal(starts.length, 0);
    assert.equal(conn.isDisposed, true);
    assert.equal(conn.reconnects, 0);
    manager.setRunning('k1');
    assert.equal(manager.connections.length, 1, 'no new connection to it');
  });

  it('releases everything when a kernel shuts down', async () => {
    const manager = new FakeManager();
    const { tracker, starts } = track(manager);
    manager.setRunning('k1', 'k2');
    await manager.connections[0].startsUp();
    await manager.connections[1].startsUp();
    assert.equal(starts.length, 2);
    manager.setRunning('k2');
    assert.equal(tracker.size, 1);
    assert.equal(manager.connections[0].isDisposed, true);
    assert.equal(manager.connections[0].reconnects, 0);
    assert.deepEqual(
      starts.map(s => [s.id, s.disposed]),
      [
        ['k1', true],
        ['k2', false]
      ]
    );
    tracker.dispose();
    assert.equal(starts[1].disposed, true);
    assert.equal(manager.connections[1].isDisposed, true);
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
