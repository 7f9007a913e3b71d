/**
 * jupyterlite-auth: the page side of sign-in for notebooks.
 *
 * Every Pyodide kernel gets, at each start, a private side channel to this
 * page (for settings and for opening the sign-in tab); see
 * docs/kernel-page-protocol.md.
 */

import type {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { IConsoleTracker } from '@jupyterlab/console';
import { INotebookTracker } from '@jupyterlab/notebook';
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
import type { IAuthSettings } from './settings';
import { LOG_PREFIX, emptySettings, validateSettings } from './settings';

export const PLUGIN_ID = 'jupyterlite-auth:plugin';

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Hands each Pyodide kernel its sign-in settings and opens sign-in pages for it.',
  autoStart: true,
  requires: [ISettingRegistry],
  optional: [INotebookTracker, IConsoleTracker],
  activate: (
    app: JupyterFrontEnd,
    registry: ISettingRegistry,
    notebooks: INotebookTracker | null,
    consoles: IConsoleTracker | null
  ): void => {
    // Start watching kernels at once; settings are awaited only when a kernel
    // asks for them (long after: a Pyodide kernel takes seconds to start).
    const settings = loadSettings(registry);
    const broker = new Broker();

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

    const bootstrapper = new KernelBootstrapper({
      accepts,
      onStart: kernel => {
        const name = newChannelName();
        const channel = new PageChannel(new BroadcastChannel(name), {
          settings,
          broker
        });
        // Sends the execute request synchronously (it is queued until the
        // kernel is up), so it is ahead of any cell the user runs.
        void runBootstrap(kernel, bootstrapCode(name));
        return channel;
      }
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
    // Close the channels of kernels that were shut down.
    app.serviceManager.kernels.runningChanged.connect((_, models) =>
      bootstrapper.retain(models.map(model => model.id))
    );
  }
};

/**
 * A reader of the current settings. The registry is read on every call, so a
 * kernel started after a settings change gets the new values.
 */
function loadSettings(registry: ISettingRegistry): () => Promise<IAuthSettings> {
  const loaded = registry.load(PLUGIN_ID).catch(error => {
    console.error(`${LOG_PREFIX} could not load settings; using none:`, error);
    return null;
  });
  return async () => {
    const settings = await loaded;
    return settings ? validateSettings(settings.composite) : emptySettings();
  };
}

export default plugin;
