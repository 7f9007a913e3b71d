/**
 * The sign-in widget's model and view (py/jupyterlite_auth/widget.py holds
 * the kernel side). The kernel drives the state; this view draws it.
 *
 * JupyterLite (and ipykernel 6) deliver a widget message to a *running*
 * cell only after the cell ends, so the buttons act here: Copy and Open need
 * nothing from the kernel, and Cancel goes on the page's side channel
 * (JupyterLite). Elsewhere the widget message `{event: "cancel"}` stops the
 * sign-in when the kernel hears it while the cell runs (ipykernel 7.4, or a
 * sign-in awaited in the background), and the kernel is interrupted only when
 * it does not (cancel-sign-in.ts).
 */

import { DOMWidgetModel, DOMWidgetView } from '@jupyter-widgets/base';
import type { ObjectHash } from 'backbone';

import type { IOpenResult } from './broker';
import { awaitHeardOrInterrupt } from './cancel-sign-in';
import type { ILocalState, IViewState } from './signin-state';
import { INITIAL_LOCAL, KERNEL_GONE, describe, isWaiting, readModel, shouldOpenForKernel } from './signin-state';

export const MODULE_NAME = 'jupyterlite-auth';
/** Keep equal to package.json's version (a unit test checks). */
export const MODULE_VERSION = '0.1.0';

/** What the view needs from the page: the same broker and side channels the kernel uses. */
export interface ISignInDeps {
  open(url: string, flow: string): IOpenResult;
  /** Post `cancel-sign-in` for `flow` to the kernel's side channel; false when it has none. */
  cancelOnChannel(kernelId: string, flow: string): boolean;
  /** The sign-in of widget model `modelId` ended in `state` (kept-signin.ts settles its displays). */
  ended(modelId: string, state: string, message: string): void;
}

interface IKernelLike {
  id: string;
  interrupt(): Promise<void>;
  statusChanged?: {
    connect(slot: (sender: unknown, status: string) => void, thisArg?: unknown): boolean;
    disconnect(slot: (sender: unknown, status: string) => void, thisArg?: unknown): boolean;
  };
}

/** The model class and the view class, bound to the page's broker and channels. */
export function signInWidgetExports(deps: ISignInDeps): {
  SignInModel: typeof DOMWidgetModel;
  SignInView: typeof DOMWidgetView;
} {
  class SignInModel extends DOMWidgetModel {
    initialize(attributes: ObjectHash, options: Parameters<DOMWidgetModel['initialize']>[1]): void {
      super.initialize(attributes, options);
      // On the model, not a view: the page settles displays it kept even when none is drawn.
      this.on('change:state', () => {
        const model = readModel(key => this.get(key));
        if (!isWaiting(model)) {
          deps.ended(this.model_id, model.state, model.message);
        }
      });
    }

    defaults(): ObjectHash {
      return {
        ...super.defaults(),
        _model_name: 'SignInModel',
        _model_module: MODULE_NAME,
        _model_module_version: MODULE_VERSION,
        _view_name: 'SignInView',
        _view_module: MODULE_NAME,
        _view_module_version: MODULE_VERSION,
        state: 'waiting',
        user_code: '',
        verification_uri: '',
        open_url: '',
        expires_at: 0,
        note: '',
        status: '',
        message: '',
        flow: '',
        page_open: false
      };
    }

    static model_name = 'SignInModel';
    static model_module = MODULE_NAME;
    static model_module_version = MODULE_VERSION;
    static view_name = 'SignInView';
    static view_module = MODULE_NAME;
    static view_module_version = MODULE_VERSION;
  }

  /** Sign-ins whose page a view of this page already tried to open for the kernel. */
  const triedFlows = new Set<string>();
  /** Sign-ins whose page a view of this page opened: a later view of the same sign-in (a cell
   * run again keeps it on show) says the tab is open instead of asking for it. */
  const openedFlows = new Set<string>();

  class SignInView extends DOMWidgetView {
    render(): void {
      this.el.classList.add('jla-widget');
      this._parts = buildDom(this.el);
      this._parts.copy.addEventListener('click', () => void this._copy());
      this._parts.open.addEventListener('click', () => this._open());
      this._parts.cancel.addEventListener('click', () => this._cancel());
      this.listenTo(this.model, 'change', () => this._draw());
      this.listenTo(this.model, 'change:page_open', () => this._openForKernel());
      this._kernel = kernelOf(this.model);
      this._kernel?.statusChanged?.connect(this._onKernelStatus, this);
      this._timer = window.setInterval(() => this._draw(), 1000);
      if (openedFlows.has(readModel(key => this.model.get(key)).flow)) {
        this._local = { ...this._local, openedHere: true };
      }
      this._draw();
      this._openForKernel();
    }

    /** A kernel without a browser on its machine asks the page to open the sign-in page. */
    private _openForKernel(): void {
      const model = readModel(key => this.model.get(key));
      const tried = triedFlows.has(model.flow);
      if (!shouldOpenForKernel(this.model.get('page_open'), model, tried, activationActive())) {
        return;
      }
      triedFlows.add(model.flow);
      if (deps.open(model.open_url || model.verification_uri, model.flow).opened) {
        openedFlows.add(model.flow);
        this._local = { ...this._local, openedHere: true, openProblem: '' };
        this._draw();
      } // else: the Open button stays the next step, as the kernel's state says
    }

    remove(): this {
      window.clearInterval(this._timer);
      this._kernel?.statusChanged?.disconnect(this._onKernelStatus, this);
      return super.remove();
    }

    /** A restart ends the sign-in with the kernel, but the widget manager keeps this view. */
    private _onKernelStatus(_sender: unknown, status: string): void {
      if (KERNEL_GONE.has(status) && !this._local.kernelGone) {
        this._local = { ...this._local, kernelGone: true };
        this._draw();
      }
    }

    private _draw(): void {
      if (!this._parts) {
        return;
      }
      const model = readModel(key => this.model.get(key));
      const view = describe(model, this._local, Date.now());
      if (!view.live) {
        window.clearInterval(this._timer);
      }
      drawInto(this._parts, view);
      // For the page: a cell run again while its sign-in waits starts it over (index.ts).
      this.el.dataset.flow = model.flow;
      this.el.dataset.live = String(view.live);
    }

    private async _copy(): Promise<void> {
      const code = readModel(key => this.model.get(key)).user_code;
      this._local = { ...this._local, copy: (await copyText(code, this._parts!.code)) ? 'copied' : 'failed' };
      this._draw();
      window.setTimeout(() => {
        this._local = { ...this._local, copy: 'idle' };
        this._draw();
      }, 2000);
    }

    private _open(): void {
      const model = readModel(key => this.model.get(key));
      const result = deps.open(model.open_url || model.verification_uri, model.flow);
      if (result.opened) {
        openedFlows.add(model.flow);
      }
      this._local = result.opened
        ? { ...this._local, openedHere: true, openProblem: '' }
        : {
            ...this._local,
            openProblem:
              result.reason === 'blocked'
                ? 'The browser refused to open a tab: copy the address above into a new tab.'
                : `The sign-in page cannot be opened (${result.reason ?? 'unknown reason'}).`
          };
      this._draw();
    }

    private _cancel(): void {
      const model = readModel(key => this.model.get(key));
      this._local = { ...this._local, cancelling: true };
      this._draw();
      this.send({ event: 'cancel', flow: model.flow });
      const kernel = kernelOf(this.model);
      if (!kernel || deps.cancelOnChannel(kernel.id, model.flow)) {
        return;
      }
      // No side channel (a CPython kernel): the message may reach the running cell, or only an
      // interrupt will (cancel-sign-in.ts says why not both at once).
      void awaitHeardOrInterrupt({
        heard: () => !this.model.comm_live || !isWaiting(readModel(key => this.model.get(key))),
        interrupt: () => kernel.interrupt(),
        sleep: ms => new Promise(resolve => window.setTimeout(resolve, ms))
      }).catch(error => console.warn('[jupyterlite-auth] could not interrupt the kernel:', error));
    }

    private _kernel: IKernelLike | null = null;
    private _parts: IParts | null = null;
    private _local: ILocalState = { ...INITIAL_LOCAL };
    private _timer = 0;
  }

  return { SignInModel, SignInView };
}

/** Whether the browser would still allow a new tab (where it can tell; else let it decide). */
function activationActive(): boolean {
  const activation = (navigator as unknown as { userActivation?: { isActive?: unknown } }).userActivation;
  return typeof activation?.isActive === 'boolean' ? activation.isActive : true;
}

function kernelOf(model: DOMWidgetModel): IKernelLike | null {
  const kernel = (model.widget_manager as unknown as { kernel?: IKernelLike | null }).kernel;
  return kernel && typeof kernel.id === 'string' ? kernel : null;
}

interface IParts {
  root: HTMLElement;
  title: HTMLElement;
  live: HTMLElement;
  code: HTMLElement;
  copy: HTMLButtonElement;
  url: HTMLElement;
  open: HTMLButtonElement;
  note: HTMLElement;
  countdown: HTMLElement;
  status: HTMLElement;
  cancel: HTMLButtonElement;
  message: HTMLElement;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  parent: HTMLElement,
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text) {
    node.textContent = text;
  }
  parent.appendChild(node);
  return node;
}

/** The elements, made once; `drawInto` only changes their text and attributes. */
function buildDom(root: HTMLElement): IParts {
  root.setAttribute('role', 'group');
  const title = element('div', 'jla-title', root);
  title.id = `jla-title-${Math.random().toString(16).slice(2)}`;
  root.setAttribute('aria-labelledby', title.id);
  const live = element('div', 'jla-live', root);
  element('div', 'jla-instructions', live, 'Enter this code on the sign-in page:');
  const codeRow = element('div', 'jla-code-row', live);
  const code = element('span', 'jla-code', codeRow);
  code.setAttribute('role', 'text');
  const copy = element('button', 'jla-button jla-copy', codeRow, 'Copy');
  copy.type = 'button';
  const urlRow = element('div', 'jla-url-row', live);
  element('span', 'jla-url-label', urlRow, 'Sign-in page: ');
  const url = element('span', 'jla-url', urlRow);
  const actions = element('div', 'jla-actions', live);
  const open = element('button', 'jla-button jla-open', actions, 'Open sign-in page');
  open.type = 'button';
  const cancel = element('button', 'jla-button jla-cancel', actions, 'Cancel');
  cancel.type = 'button';
  const note = element('div', 'jla-note', live);
  const countdown = element('div', 'jla-countdown', live);
  const status = element('div', 'jla-status', live);
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');
  const message = element('div', 'jla-message', root);
  message.setAttribute('role', 'status');
  return { root, title, live, code, copy, url, open, note, countdown, status, cancel, message };
}

function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

function drawInto(parts: IParts, view: IViewState): void {
  parts.root.dataset.tone = view.tone;
  setText(parts.title, view.title);
  parts.live.hidden = !view.live;
  setText(parts.code, view.code);
  parts.code.setAttribute('aria-label', view.codeLabel);
  setText(parts.copy, view.copyLabel);
  setText(parts.url, view.url);
  parts.open.classList.toggle('jla-primary', view.openIsNextStep);
  setText(parts.note, view.note);
  parts.note.hidden = !view.note;
  setText(parts.countdown, view.countdown);
  setText(parts.status, view.status);
  parts.cancel.disabled = view.cancelDisabled;
  setText(parts.message, view.message);
  parts.message.hidden = !view.message;
}

/** The clipboard API where allowed (a secure context), else selecting the code for the user. */
async function copyText(text: string, node: HTMLElement): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // http:// sites other than localhost have no clipboard API.
  }
  try {
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    return document.execCommand('copy');
  } catch {
    return false;
  }
}
