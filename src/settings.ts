/**
 * The site settings the page hands to each kernel (the `config` message of
 * docs/kernel-page-protocol.md). Settings come from JSON files written by
 * whoever deploys the site, so every value is checked here before a kernel
 * sees it: a bad value is reported once in the console and sent as unset,
 * never passed on as something the kernel would have to second-guess.
 */

export const LOG_PREFIX = '[jupyterlite-auth]';

/** The four settings of `schema/plugin.json`, exactly as sent to kernels. */
export interface IAuthSettings {
  issuer: string;
  clientId: string;
  scope: string;
  environ: Record<string, string>;
}

const STRING_KEYS = ['issuer', 'clientId', 'scope'] as const;

/** Unset values: empty strings and no environment. */
export function emptySettings(): IAuthSettings {
  return { issuer: '', clientId: '', scope: '', environ: {} };
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
 * Only the four known keys are read; anything else is ignored. `report` is
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
