import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { awaitHeardOrInterrupt, HEARD_POLL_MS, HEARD_WAIT_MS } from '../../src/cancel-sign-in';

/** A kernel that answers after `answersAfterMs` of fake time (never when null); nothing really waits. */
function fakeKernel(answersAfterMs: number | null) {
  let now = 0;
  const calls: string[] = [];
  return {
    calls,
    get now() {
      return now;
    },
    deps: {
      heard: () => answersAfterMs !== null && now >= answersAfterMs,
      interrupt: async () => {
        calls.push(`interrupt@${now}`);
      },
      sleep: async (ms: number) => {
        now += ms;
      }
    }
  };
}

describe('awaitHeardOrInterrupt', () => {
  it('does not interrupt a kernel that heard the message at once (ipykernel 7.4)', async () => {
    const kernel = fakeKernel(0);
    assert.equal(await awaitHeardOrInterrupt(kernel.deps), 'heard');
    assert.deepEqual(kernel.calls, []);
    assert.equal(kernel.now, 0);
  });

  it('does not interrupt a kernel that answers within the wait, and stops looking then', async () => {
    const kernel = fakeKernel(120);
    assert.equal(await awaitHeardOrInterrupt(kernel.deps), 'heard');
    assert.deepEqual(kernel.calls, []);
    assert.equal(kernel.now, Math.ceil(120 / HEARD_POLL_MS) * HEARD_POLL_MS);
  });

  it('interrupts once, after the wait, a kernel that holds the message (ipykernel 6)', async () => {
    const kernel = fakeKernel(null);
    assert.equal(await awaitHeardOrInterrupt(kernel.deps), 'interrupted');
    assert.deepEqual(kernel.calls, [`interrupt@${HEARD_WAIT_MS}`]);
  });

  it('takes an answer that came with the last look, without interrupting', async () => {
    const kernel = fakeKernel(HEARD_WAIT_MS);
    assert.equal(await awaitHeardOrInterrupt(kernel.deps), 'heard');
    assert.deepEqual(kernel.calls, []);
  });

  it('leaves the decision within a second, so Cancel still stops polling in time', () => {
    assert.ok(HEARD_WAIT_MS < 1000, `${HEARD_WAIT_MS} ms`);
  });

  it('passes a failed interrupt on to the caller', async () => {
    const kernel = fakeKernel(null);
    kernel.deps.interrupt = async () => {
      throw new Error('403 Forbidden');
    };
    await assert.rejects(awaitHeardOrInterrupt(kernel.deps), /403 Forbidden/);
  });
});
