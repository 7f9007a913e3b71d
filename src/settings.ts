/**
 * The site settings the page hands to each kernel (the `config` message of
 * docs/kernel-page-protocol.md). Settings come from JSON files written by
 * whoever deploys the site, so every value is checked here before a kernel
 * sees it: a bad value is reported once in the console and sent as unset,
 * never passed on as something the kernel would have to second-guess.
 */

import { unparsableUrlReason } from './url-problem';

export const LOG_PREFIX = '[jupyterlite-auth]';

/** The settings of `schema/plugin.json` that kernels get, exactly as sent. */
export interface IAuthSettings {
  issuer: string;
  clientId: string;
  scope: string;
  /** Open the sign-in tab as soon as a sign-in starts (else the user clicks Open). */
  autoOpen: boolean;
  environ: Record<string, string>;
}

const STRING_KEYS = ['issuer', 'clientId', 'scope'] as const;

/** Unset values: empty strings and no environment. */
export function emptySettings(): IAuthSettings {
  return { issuer: '', clientId: '', scope: '', autoOpen: true, environ: {} };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// os.environ rejects names with "=" or NUL and values with NUL; refusing them
// here names the culprit instead of failing inside the kernel's attach().
function environKeyProblem(key: string): string | null {
  if (key === '') {
    return 'the name is empty';
  }
  if (key.includes('=') || key.includes('\0')) {
    return 'the name contains "=" or a NUL character';
  }
  return null;
}

/**
 * Validate raw settings (the registry's composite) into the protocol's shape.
 *
 * Only the known keys are read; anything else is ignored. `report` is
 * called once per rejected value with a message naming the setting.
 */
export function validateSettings(
  raw: unknown,
  report: (message: string) => void = message =>
    console.error(`${LOG_PREFIX} ${message}`)
): IAuthSettings {
  const settings = emptySettings();
  if (raw === undefined || raw === null) {
    return settings;
  }
  if (!isPlainObject(raw)) {
    report('settings must be a JSON object; using none of them');
    return settings;
  }

  for (const key of STRING_KEYS) {
    const value = raw[key];
    if (value === undefined || value === null) {
      continue;
    }
    if (typeof value !== 'string') {
      report(
        `setting "${key}" must be a string, got ${describe(value)}; treating it as unset`
      );
      continue;
    }
    settings[key] = value;
  }

  const autoOpen = raw.autoOpen;
  if (autoOpen !== undefined && autoOpen !== null) {
    if (typeof autoOpen !== 'boolean') {
      report(`setting "autoOpen" must be true or false, got ${describe(autoOpen)}; using true`);
    } else {
      settings.autoOpen = autoOpen;
    }
  }

  const environ = raw.environ;
  if (environ !== undefined && environ !== null) {
    if (!isPlainObject(environ)) {
      report(
        `setting "environ" must be an object of string values, got ${describe(environ)}; treating it as unset`
      );
    } else {
      for (const [key, value] of Object.entries(environ)) {
        const keyProblem = environKeyProblem(key);
        if (keyProblem) {
          report(
            `setting "environ" entry ${JSON.stringify(key)} is invalid: ${keyProblem}; leaving it out`
          );
          continue;
        }
        if (typeof value !== 'string') {
          report(
            `setting "environ" entry ${JSON.stringify(key)} must be a string, got ${describe(value)}; leaving it out`
          );
          continue;
        }
        if (value.includes('\0')) {
          report(
            `setting "environ" entry ${JSON.stringify(key)} contains a NUL character; leaving it out`
          );
          continue;
        }
        settings.environ[key] = value;
      }
    }
  }
  return settings;
}

function describe(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'an array';
  }
  return `a ${typeof value}`;
}

/**
 * The page's own settings for platform mode (docs/kernel-page-protocol.md,
 * "Platform mode"). The origins stay on the page; kernels get the two timeouts
 * (`kernelSettings`).
 */
export interface IHostSettings {
  /** Exact origins of pages allowed to embed the site as its host; [] = none. */
  allowedHostOrigins: string[];
  /** How long the page waits for the host's answer to `get-data`, ms. */
  hostDataTimeout: number;
  /** How long a fetch may take (the host's answer, or the page's own fetch), ms. */
  hostFetchTimeout: number;
}

export const HOST_SETTING_DEFAULTS: Readonly<IHostSettings> = Object.freeze({
  allowedHostOrigins: [],
  hostDataTimeout: 5000,
  hostFetchTimeout: 30000
});

/**
 * What kernels get in `config.settings`: the four settings, plus the two
 * timeouts, so a kernel waits for the page a little longer than the page
 * waits for the host. The trusted origins stay on the page.
 */
export interface IKernelSettings extends IAuthSettings {
  hostDataTimeout: number;
  hostFetchTimeout: number;
  /** What was wrong with the settings (as logged in the console), for the notebook to say too. */
  problems: string[];
}

export function kernelSettings(
  auth: IAuthSettings,
  host: IHostSettings,
  problems: string[] = []
): IKernelSettings {
  return {
    ...auth,
    hostDataTimeout: host.hostDataTimeout,
    hostFetchTimeout: host.hostFetchTimeout,
    problems: [...problems]
  };
}

/** Longest timeout accepted for either setting: ten minutes. */
export const MAX_TIMEOUT_MS = 600000;

const TIMEOUT_KEYS = [
  ['hostDataTimeout', 0],
  ['hostFetchTimeout', 1]
] as const;

/**
 * Whether `value` is an exact origin such as https://platform.example.org:
 * http(s), lowercase host, no default port, no path, query, fragment or
 * credentials; that is, what a browser puts in `MessageEvent.origin`.
 * Returns null when it is, else why not.
 */
export function originProblem(value: string): string | null {
  if (value === '*' || value === 'null') {
    return `${JSON.stringify(value)} is not an origin; name each trusted host exactly`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return unparsableUrlReason(value);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `scheme ${url.protocol} is not http: or https:`;
  }
  if (url.origin !== value) {
    return `not an exact origin (did you mean ${JSON.stringify(url.origin)}?)`;
  }
  return null;
}

/**
 * Validate the platform-mode settings. Bad origins are dropped one by one, a
 * bad timeout falls back to its default; each is reported with the setting's
 * name. Other keys are ignored.
 */
export function validateHostSettings(
  raw: unknown,
  report: (message: string) => void = message =>
    console.error(`${LOG_PREFIX} ${message}`)
): IHostSettings {
  const settings: IHostSettings = { ...HOST_SETTING_DEFAULTS, allowedHostOrigins: [] };
  if (!isPlainObject(raw)) {
    // validateSettings reports a non-object settings value already.
    return settings;
  }

  const origins = raw.allowedHostOrigins;
  if (origins !== undefined && origins !== null) {
    if (!Array.isArray(origins)) {
      report(
        `setting "allowedHostOrigins" must be an array of origins, got ${describe(origins)}; trusting no host`
      );
    } else {
      for (const entry of origins) {
        if (typeof entry !== 'string') {
          report(
            `setting "allowedHostOrigins" entry must be a string such as "https://platform.example.org", got ${describe(entry)}; leaving it out`
          );
          continue;
        }
        const problem = originProblem(entry);
        if (problem) {
          report(
            `setting "allowedHostOrigins" entry ${JSON.stringify(entry)} is invalid: ${problem}; leaving it out`
          );
          continue;
        }
        if (!settings.allowedHostOrigins.includes(entry)) {
          settings.allowedHostOrigins.push(entry);
        }
      }
    }
  }

  for (const [key, min] of TIMEOUT_KEYS) {
    const value = raw[key];
    if (value === undefined || value === null) {
      continue;
    }
    if (
      typeof value !== 'number' ||
      !Number.isInteger(value) ||
      value < min ||
      value > MAX_TIMEOUT_MS
    ) {
      report(
        `setting "${key}" must be a whole number of milliseconds from ${min} to ${MAX_TIMEOUT_MS}, got ${
          typeof value === 'number' ? value : describe(value)
        }; using ${HOST_SETTING_DEFAULTS[key]}`
      );
      continue;
    }
    settings[key] = value;
  }
  return settings;
}
