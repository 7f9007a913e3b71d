/**
 * A sign-in cell run again while its sign-in waits, in a kernel without our
 * side channel (CPython in JupyterLab).
 *
 * Jupyter clears the cell's output (the code and the buttons go with it) and
 * queues the new run behind the waiting one. Stopping the waiting one is no
 * way out there: it would end with an error, and ipykernel then aborts the
 * queued run too, leaving an empty cell. So the page keeps the sign-in on
 * show: it puts the live display back after the clear, and settles it when
 * the sign-in ends. After a success it goes (the queued run then prints the
 * signed-in line); otherwise it gives way to the outcome, since the first
 * run's own error line can no longer reach the cell and the queued run is
 * aborted.
 *
 * Pure: works on any list of outputs with get/set/add/remove.
 */

import { outcomeOutput, showsLiveCode, type IOutputLike } from './stale-signin';

export const WIDGET_MIME = 'application/vnd.jupyter.widget-view+json';

/** What a notebook output list offers (JupyterLab's IOutputAreaModel has all of it). */
export interface IKeptOutputs {
  readonly length: number;
  get(index: number): IOutputLike & { data?: unknown; toJSON?(): unknown };
  add(output: IOutputJSON): number;
  set(index: number, output: IOutputJSON): void;
  remove(index: number): void;
}

export interface IOutputJSON {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Copies of the displays in `outputs` that show a live code, to put back after a clear. */
export function liveDisplays(outputs: IKeptOutputs): IOutputJSON[] {
  const kept: IOutputJSON[] = [];
  for (let index = 0; index < outputs.length; index++) {
    const output = outputs.get(index);
    if (showsLiveCode(output) && typeof output.toJSON === 'function') {
      kept.push(JSON.parse(JSON.stringify(output.toJSON())) as IOutputJSON);
    }
  }
  return kept;
}

/** The widget model an output shows, if it shows one. */
export function widgetModelId(output: { data?: unknown }): string | null {
  const data = output.data;
  if (!data || typeof data !== 'object') {
    return null;
  }
  const view = (data as Record<string, unknown>)[WIDGET_MIME];
  const id = view && typeof view === 'object' ? (view as { model_id?: unknown }).model_id : undefined;
  return typeof id === 'string' && id ? id : null;
}

const TITLES: Record<string, string> = {
  denied: 'Sign-in denied.',
  expired: 'The code expired.',
  cancelled: 'Sign-in cancelled.',
  error: 'Sign-in failed.'
};

/** The outcome of a sign-in that did not succeed, as the kernel's own outcome displays look. */
export function failedOutput(state: string, message: string): IOutputJSON {
  const kind = state in TITLES ? state : 'error';
  return outcomeOutput(kind, TITLES[kind], message);
}

/**
 * The sign-in shown by widget model `modelId` ended in `state`: remove its kept displays from
 * `outputs` after a success, replace them with the outcome otherwise. How many there were.
 */
export function settleKeptDisplays(outputs: IKeptOutputs, modelId: string, state: string, message: string): number {
  let settled = 0;
  for (let index = outputs.length - 1; index >= 0; index--) {
    const output = outputs.get(index);
    if (!showsLiveCode(output) || widgetModelId(output) !== modelId) {
      continue;
    }
    if (state === 'signed-in') {
      outputs.remove(index);
    } else {
      outputs.set(index, failedOutput(state, message));
    }
    settled++;
  }
  return settled;
}
