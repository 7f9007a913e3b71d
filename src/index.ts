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

import type { ISessionContextLike } from './bootstrap';
import { bootstrapCode, KernelBootstrapper, runBootstrap } from './bootstrap';
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

    const bootstrapper = new KernelBootstrapper(kernel => {
      const name = newChannelName();
      const channel = new PageChannel(new BroadcastChannel(name), {
        settings,
        broker
      });
      void runBootstrap(kernel, bootstrapCode(name));
      return channel;
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
