/**
 * jupyterlite-auth: the page side of sign-in for notebooks.
 *
 * Every Pyodide kernel gets, at each start, a private side channel to this
 * page (for settings, host data, opening the sign-in tab and fetches); see
 * docs/kernel-page-protocol.md. When the site is embedded by a trusted host
 * page, the host bridge passes that page's data on to every kernel.
 */

import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IJupyterWidgetRegistry } from '@jupyter-widgets/base';
import { IConsoleTracker } from '@jupyterlab/console';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import type { IKernelLike, ISessionContextLike } from './bootstrap';
import {
  bootstrapCode,
  isJupyterLite,
  isPythonSpec,
  KernelBootstrapper,
  runBootstrap
} from './bootstrap';
import { Broker } from './broker';
import { newChannelName, PageChannel } from './channel';
import { FetchBroker } from './fetch-broker';
import type { IWindowLike } from './host-bridge';
import { HostBridge } from './host-bridge';
import { KERNEL_GONE } from './signin-state';
import { MODULE_NAME, MODULE_VERSION, signInWidgetExports } from './signin-widget';
import type { IKeptOutputs, IOutputJSON } from './kept-signin';
import { liveDisplays, settleKeptDisplays, widgetModelId } from './kept-signin';
import type { IOutputListLike } from './stale-signin';
import { endStaleSignIns } from './stale-signin';
import type { IHostSettings, IKernelSettings } from './settings';
import {
  HOST_SETTING_DEFAULTS,
  LOG_PREFIX,
  emptySettings,
  kernelSettings,
  validateHostSettings,
  validateSettings
} from './settings';

export const PLUGIN_ID = 'jupyterlite-auth:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Hands each Pyodide kernel its sign-in settings and the host page\'s data, opens sign-in pages and performs fetches for it.',
  autoStart: true,
  requires: [ISettingRegistry],
  optional: [INotebookTracker, IConsoleTracker, IJupyterWidgetRegistry],
  activate: (
    app: JupyterFrontEnd,
    registry: ISettingRegistry,
    notebooks: INotebookTracker | null,
    consoles: IConsoleTracker | null,
    widgets: IJupyterWidgetRegistry | null
  ): void => {
    // Start watching kernels at once; settings are awaited only when a kernel
    // asks for them (long after: a Pyodide kernel takes seconds to start).
    // Every settings problem goes to the console and, with the settings, to each kernel, whose
    // sign-in then says it too (`problems`).
    const pageProblems: string[] = [];
    const reportTo = (list: string[]) => (message: string) => {
      console.error(`${LOG_PREFIX} ${message}`);
      list.push(message);
    };
    const loaded = loadSettings(registry, reportTo(pageProblems));
    const broker = new Broker();

    // The host bridge decides its state as soon as the settings are loaded;
    // a kernel's `config` waits for that, so it carries the decided state.
    const host = new HostBridge({ window: window as unknown as IWindowLike });
    let hostSettings: IHostSettings = HOST_SETTING_DEFAULTS;
    // Read once, when the page loads: the host is decided once per page.
    const hostStarted = loaded.then(loadedSettings => {
      hostSettings = validateHostSettings(loadedSettings?.composite, reportTo(pageProblems));
      host.start(hostSettings);
    });
    const settings = async (): Promise<IKernelSettings> => {
      const loadedSettings = await loaded;
      await hostStarted;
      const own: string[] = [];
      const auth = loadedSettings
        ? validateSettings(loadedSettings.composite, reportTo(own))
        : emptySettings();
      return kernelSettings(auth, hostSettings, [...pageProblems, ...own]);
    };
    const fetcher = new FetchBroker({
      host,
      timeout: () => hostSettings.hostFetchTimeout
    });
    showHostState(host.snapshot().state);

    // In JupyterLite every Python kernel (Pyodide; others skip themselves
    // with a message on stderr). In JupyterLab (CPython kernels): none.
    const lite = isJupyterLite(app);
    const specs = app.serviceManager.kernelspecs;
    const accepts = (kernel: IKernelLike): boolean | Promise<boolean> => {
      if (!lite) {
        return false;
      }
      // The specs are normally loaded by the time a kernel starts: synchronous.
      const python = isPythonSpec(specs.specs, kernel.name);
      return python ?? specs.ready.then(() => !!isPythonSpec(specs.specs, kernel.name));
    };

    const bootstrapper = new KernelBootstrapper<PageChannel>({
      accepts,
      onStart: kernel => {
        const name = newChannelName();
        const channel = new PageChannel(new BroadcastChannel(name), {
          settings,
          broker,
          host,
          fetcher,
          features: () => ({ widget: widgets !== null })
        });
        // Sends the execute request synchronously (it is queued until the
        // kernel is up), so it is ahead of any cell the user runs.
        void runBootstrap(kernel, bootstrapCode(name));
        return channel;
      },
      // On every connection object, not just the one that started the kernel: the toolbar and
      // menu interrupt whichever object the notebook holds now.
      onConnection: kernel =>
        forwardInterrupts(kernel as unknown as IInterruptible, () => bootstrapper.startOf(kernel.id))
    });

    for (const tracker of [notebooks, consoles]) {
      if (!tracker) {
        continue;
      }
      const watch = (widget: { sessionContext: ISessionContextLike }) =>
        bootstrapper.watch(widget.sessionContext);
      tracker.forEach(watch);
      tracker.widgetAdded.connect((_, widget) => watch(widget));
    }
    // A kernel that dies mid sign-in cannot take its code off the page: do it for the kernel.
    notebooks?.forEach(endSignInsWhenKernelDies);
    notebooks?.widgetAdded.connect((_, panel) => endSignInsWhenKernelDies(panel));

    // Close the channels of kernels that were shut down.
    app.serviceManager.kernels.runningChanged.connect((_, models) =>
      bootstrapper.retain(models.map(model => model.id))
    );

    // Displays a rerun kept on show (below), by widget model, until their sign-in ends.
    const keptModels = new Set<string>();
    const settleKept = (modelId: string, state: string, message: string): void => {
      if (!keptModels.delete(modelId)) {
        return;
      }
      notebooks?.forEach(panel => {
        for (const cell of panel.content.model?.cells ?? []) {
          const outputs = (cell as unknown as { outputs?: IKeptOutputs }).outputs;
          if (cell.type === 'code' && outputs) {
            settleKeptDisplays(outputs, modelId, state, message);
          }
        }
      });
    };

    // The sign-in widget's view, where the widget manager is present (the kernel
    // falls back to HTML without it: `features.widget` in `config`).
    if (widgets) {
      widgets.registerWidget({
        name: MODULE_NAME,
        version: MODULE_VERSION,
        exports: signInWidgetExports({
          open: (url, flow) => broker.open(url, flow),
          cancelOnChannel: (kernelId, flow) => {
            const channel = bootstrapper.startOf(kernelId);
            if (!channel) {
              return false;
            }
            channel.postCancelSignIn(flow);
            return true;
          },
          ended: settleKept
        })
      });
    }

    // Running a cell again while its sign-in waits: Jupyter clears the output (the code and the
    // buttons go) and queues the run behind the waiting one. In JupyterLite, start over: stop the
    // waiting sign-in, so the new run shows a new code at once. Elsewhere keep the sign-in on
    // show until it ends (kept-signin.ts says why).
    NotebookActions.executionScheduled.connect((_, { notebook, cell }) => {
      const live = cell.node.querySelector<HTMLElement>('.jla-widget[data-live="true"]');
      const flow = live?.dataset.flow;
      const panel = notebooks?.find(candidate => candidate.content === notebook);
      const kernel = panel?.sessionContext.session?.kernel;
      if (!flow || !kernel) {
        return;
      }
      const channel = bootstrapper.startOf(kernel.id);
      if (channel) {
        channel.postCancelSignIn(flow);
        return;
      }
      const outputs = (cell.model as unknown as { outputs?: IKeptOutputs }).outputs;
      // Only widget displays: the page settles them when their model says the sign-in ended.
      const kept: IOutputJSON[] = [];
      for (const output of outputs ? liveDisplays(outputs) : []) {
        const id = widgetModelId(output);
        if (id !== null) {
          keptModels.add(id);
          kept.push(output);
        }
      }
      // The clear happens right after this signal, synchronously (CodeCell.execute).
      queueMicrotask(() => kept.forEach(output => outputs?.add(output)));
    });

    // Every live kernel hears about new host data at once (`host-data`).
    host.onChange(snapshot => {
      showHostState(snapshot.state);
      for (const channel of bootstrapper.starts()) {
        channel.postHostData(snapshot);
      }
    });
  }
};

interface INotebookPanelLike {
  sessionContext: { statusChanged: { connect(slot: (sender: unknown, status: string) => void): boolean } };
  content: { model: { cells: Iterable<{ type: string; outputs?: IOutputListLike }> } | null };
}

/** When the notebook's kernel restarts or dies, replace displays still showing a code. */
function endSignInsWhenKernelDies(panel: INotebookPanelLike): void {
  panel.sessionContext.statusChanged.connect((_, status) => {
    const model = panel.content.model;
    if (!KERNEL_GONE.has(status) || !model) {
      return;
    }
    for (const cell of model.cells) {
      if (cell.type === 'code' && cell.outputs) {
        endStaleSignIns(cell.outputs);
      }
    }
  });
}

/** A kernel connection's `interrupt`, which the toolbar button and every menu command call. */
interface IInterruptible {
  interrupt(): Promise<void>;
}

const forwarding = new WeakSet<object>();

/**
 * Also tell the kernel's sign-in that the user pressed interrupt: in JupyterLite the interrupt
 * itself cannot reach a running cell (no SharedArrayBuffer without cross-origin isolation). Once
 * per connection object; a restart keeps the object, so the current start's channel is looked up
 * at each interrupt.
 */
function forwardInterrupts(kernel: IInterruptible, channel: () => PageChannel | null): void {
  if (forwarding.has(kernel) || typeof kernel.interrupt !== 'function') {
    return;
  }
  forwarding.add(kernel);
  const interrupt = kernel.interrupt.bind(kernel);
  kernel.interrupt = () => {
    channel()?.postCancelSignIn();
    return interrupt();
  };
}

/**
 * The plugin's settings, or null when they could not be loaded. Their
 * `composite` follows later changes, so a kernel started after a settings
 * change gets the new values.
 */
function loadSettings(
  registry: ISettingRegistry,
  report: (message: string) => void
): Promise<ISettingRegistry.ISettings | null> {
  return registry.load(PLUGIN_ID).catch(error => {
    report(`could not load the settings of ${PLUGIN_ID} (${describeLoadError(error)}); using none`);
    return null;
  });
}

/** The registry rejects with JSON-schema errors (an array) or an Error. */
function describeLoadError(error: unknown): string {
  const list = Array.isArray(error) ? error : [error];
  return list
    .map(item => {
      if (item && typeof item === 'object' && 'message' in item) {
        const where = (item as { instancePath?: string; dataPath?: string }).instancePath ??
          (item as { dataPath?: string }).dataPath ?? '';
        return `${where ? `${where}: ` : ''}${String((item as { message: unknown }).message)}`;
      }
      return String(item);
    })
    .join('; ');
}

/**
 * The host state on the page's body (`data-jupyterlite-auth-host`), for
 * diagnostics and UI tests. Never the data itself.
 */
function showHostState(state: string): void {
  try {
    document.body.dataset.jupyterliteAuthHost = state;
  } catch {
    // no document (tests) or no body yet
  }
}

export default plugin;
