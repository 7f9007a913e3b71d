/**
 * A sign-in display whose kernel died (restart, crash) before the sign-in
 * ended. The kernel normally replaces the code with the outcome; a dead kernel
 * cannot, so the page does: otherwise the code, and a widget whose model is
 * gone ("Loading widget..." forever), would be saved with the notebook.
 *
 * The kernel marks displays that show a live code with output metadata
 * (`WAITING_METADATA` in py/jupyterlite_auth/display.py). Pure: works on any
 * list of outputs with get/set.
 */

/** The output metadata key the kernel sets on a display showing a live code. */
export const METADATA_KEY = 'jupyterlite_auth';

export const STOPPED_TEXT =
  'Sign-in stopped: the kernel restarted, which stopped this sign-in. Run the cell again to sign in.';

/** A type, not an interface: it then fits wherever any output JSON does. */
export type IOutcomeOutput = {
  output_type: 'display_data';
  data: Record<string, string>;
  metadata: Record<string, unknown>;
};

/**
 * A sign-in's outcome as the page writes it in place of a display with a code, shaped like the
 * kernel's own outcome displays (`outcome_bundle` in py/jupyterlite_auth/display.py): `kind` is
 * the CSS modifier (`jla-cancelled`, ...), the title in bold, then the message.
 */
export function outcomeOutput(kind: string, title: string, message: string): IOutcomeOutput {
  return {
    output_type: 'display_data',
    data: {
      'text/html':
        `<div class="jla-outcome jla-${kind}" style="opacity:0.85">` +
        `<strong>${escapeHtml(title)}</strong>${message ? ' ' + escapeHtml(message) : ''}</div>`,
      'text/plain': message ? `${title} ${message}` : title
    },
    metadata: {}
  };
}

/** What replaces the display: the outcome only, like the kernel's own outcome displays. */
export function stoppedOutput(): IOutcomeOutput {
  return outcomeOutput(
    'cancelled',
    'Sign-in stopped:',
    'the kernel restarted, which stopped this sign-in. Run the cell again to sign in.'
  );
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

/** An output as the notebook's output list models it. */
export interface IOutputLike {
  metadata?: unknown;
}

export interface IOutputListLike {
  readonly length: number;
  get(index: number): IOutputLike;
  set(index: number, value: IOutcomeOutput): void;
}

/** Whether `output` shows a live code (the kernel's marker). */
export function showsLiveCode(output: IOutputLike): boolean {
  const metadata = output.metadata;
  if (!metadata || typeof metadata !== 'object') {
    return false;
  }
  const mark = (metadata as Record<string, unknown>)[METADATA_KEY];
  return !!mark && typeof mark === 'object' && (mark as { waiting?: unknown }).waiting === true;
}

/** Replace every live-code display in `outputs` with the stopped outcome; how many were. */
export function endStaleSignIns(outputs: IOutputListLike): number {
  let ended = 0;
  for (let index = 0; index < outputs.length; index++) {
    if (showsLiveCode(outputs.get(index))) {
      outputs.set(index, stoppedOutput());
      ended++;
    }
  }
  return ended;
}
