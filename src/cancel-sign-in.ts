/**
 * Cancel a sign-in that a kernel without our side channel (CPython) is
 * waiting for.
 *
 * Recent ipykernel (7.4 here) hands widget messages to a running async cell at once, so the
 * widget's `cancel` message alone ends the sign-in. Interrupting as well would
 * be harmful there: the SIGINT can land after the cell has already ended, in
 * the kernel's own code that sends the cell's reply, which is then lost (the
 * prompt stays `[*]`), or in the next cell the user runs. Other kernels
 * (ipykernel 6, for one) hold the message until the cell ends, so only an
 * interrupt reaches it. Hence: the message first, and the interrupt only when the
 * kernel has not answered within `HEARD_WAIT_MS`.
 *
 * Pure apart from what it is given: tests pass a fake `sleep`.
 */

/** How long the kernel has to show it heard the message before it is interrupted. */
export const HEARD_WAIT_MS = 500;
/** How often to look. */
export const HEARD_POLL_MS = 50;

export interface ICancelDeps {
  /** Whether the kernel has answered: the sign-in is no longer waiting, or the widget is gone. */
  heard(): boolean;
  /** Interrupt the kernel (the running cell gets a cancellation). */
  interrupt(): Promise<void>;
  sleep(ms: number): Promise<void>;
}

/** How the sign-in was stopped: `heard` (by the message) or `interrupted`. */
export type CancelPath = 'heard' | 'interrupted';

export async function awaitHeardOrInterrupt(
  deps: ICancelDeps,
  waitMs: number = HEARD_WAIT_MS,
  pollMs: number = HEARD_POLL_MS
): Promise<CancelPath> {
  for (let waited = 0; waited < waitMs; waited += pollMs) {
    if (deps.heard()) {
      return 'heard';
    }
    await deps.sleep(pollMs);
  }
  if (deps.heard()) {
    return 'heard';
  }
  await deps.interrupt();
  return 'interrupted';
}
