import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  emptySettings,
  HOST_SETTING_DEFAULTS,
  kernelSettings,
  originProblem,
  validateHostSettings,
  validateSettings
} from '../../src/settings';

function validate(raw: unknown): { settings: ReturnType<typeof validateSettings>; errors: string[] } {
  const errors: string[] = [];
  const settings = validateSettings(raw, message => errors.push(message));
  return { settings, errors };
}

describe('validateSettings', () => {
  it('passes valid settings through', () => {
    const raw = {
      issuer: 'https://platform.example.com/oidc',
      clientId: 'cli-device-client',
      scope: 'openid profile email',
      autoOpen: false,
      environ: { API_HOST: 'platform.example.com', API_PORT: '443', API_SECURE: 'true' }
    };
    const { settings, errors } = validate(raw);
    assert.deepEqual(settings, raw);
    assert.deepEqual(errors, []);
  });

  it('autoOpen defaults to true; a non-boolean is reported by name and ignored', () => {
    assert.equal(validateSettings({}).autoOpen, true);
    for (const bad of ['false', 0, [], {}]) {
      const { settings, errors } = validate({ autoOpen: bad });
      assert.equal(settings.autoOpen, true);
      assert.equal(errors.length, 1);
      assert.match(errors[0], /^setting "autoOpen" must be true or false, got an? \w+; using true$/);
    }
  });

  it('defaults missing, null and undefined input to unset', () => {
    for (const raw of [undefined, null, {}, { issuer: null, environ: null }]) {
      const { settings, errors } = validate(raw);
      assert.deepEqual(settings, emptySettings());
      assert.deepEqual(errors, []);
    }
  });

  it('sends only the known keys', () => {
    const { settings } = validate({ issuer: 'https://i', extra: 'x', token: 'secret' });
    assert.deepEqual(Object.keys(settings).sort(), ['autoOpen', 'clientId', 'environ', 'issuer', 'scope']);
  });

  it('unsets a non-string string setting and names it', () => {
    const { settings, errors } = validate({ issuer: 42, clientId: ['a'], scope: { a: 1 } });
    assert.deepEqual(settings, emptySettings());
    assert.equal(errors.length, 3);
    assert.match(errors[0], /setting "issuer" must be a string, got a number/);
    assert.match(errors[1], /setting "clientId" must be a string, got an array/);
    assert.match(errors[2], /setting "scope" must be a string, got a object/);
  });

  it('unsets a non-object environ and names it', () => {
    for (const environ of ['API_HOST=x', ['API_HOST'], 3]) {
      const { settings, errors } = validate({ environ });
      assert.deepEqual(settings.environ, {});
      assert.equal(errors.length, 1);
      assert.match(errors[0], /setting "environ" must be an object/);
    }
  });

  it('leaves out environ entries that are not strings or not valid names', () => {
    const { settings, errors } = validate({
      environ: { OK: 'yes', NUM: 443, BOOL: true, '': 'x', 'A=B': 'x', NUL: 'a\0b', EMPTY: '' }
    });
    assert.deepEqual(settings.environ, { OK: 'yes', EMPTY: '' });
    assert.equal(errors.length, 5);
    assert.ok(errors.some(e => /"NUM" must be a string, got a number/.test(e)));
    assert.ok(errors.some(e => /"BOOL" must be a string, got a boolean/.test(e)));
    assert.ok(errors.some(e => /"" is invalid: the name is empty/.test(e)));
    assert.ok(errors.some(e => /"A=B" is invalid/.test(e)));
    assert.ok(errors.some(e => /"NUL" contains a NUL/.test(e)));
  });

  it('keeps awkward but valid values byte-identical', () => {
    const value = `'''"""\\\u2028\ud800 x`;
    const { settings, errors } = validate({ scope: value, environ: { V: value } });
    assert.equal(settings.scope, value);
    assert.equal(settings.environ.V, value);
    assert.deepEqual(errors, []);
  });

  it('rejects a non-object settings value as a whole', () => {
    const { settings, errors } = validate('issuer');
    assert.deepEqual(settings, emptySettings());
    assert.equal(errors.length, 1);
  });

  it('does not share the environ object between calls', () => {
    const a = validateSettings({});
    a.environ.X = '1';
    assert.deepEqual(validateSettings({}).environ, {});
  });

  it('logs to console.error with the project prefix by default', () => {
    const logged: unknown[][] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      validateSettings({ issuer: 1 });
    } finally {
      console.error = error;
    }
    assert.equal(logged.length, 1);
    assert.match(String(logged[0][0]), /^\[jupyterlite-auth\] setting "issuer"/);
  });
});

function validateHost(raw: unknown) {
  const errors: string[] = [];
  const settings = validateHostSettings(raw, message => errors.push(message));
  return { settings, errors };
}

describe('validateHostSettings', () => {
  it('defaults: no trusted host, 5 s for data, 30 s for fetches', () => {
    for (const raw of [undefined, null, {}, 'x', { allowedHostOrigins: null }]) {
      const { settings, errors } = validateHost(raw);
      assert.deepEqual(settings, { allowedHostOrigins: [], hostDataTimeout: 5000, hostFetchTimeout: 30000 });
      assert.deepEqual(errors, []);
    }
    assert.deepEqual(HOST_SETTING_DEFAULTS.allowedHostOrigins, []);
  });

  it('passes valid settings through', () => {
    const raw = {
      allowedHostOrigins: ['https://platform.example.org', 'http://127.0.0.1:8700', 'http://[::1]:8700'],
      hostDataTimeout: 0,
      hostFetchTimeout: 120000
    };
    const { settings, errors } = validateHost(raw);
    assert.deepEqual(settings, raw);
    assert.deepEqual(errors, []);
  });

  it('drops each bad origin with an error naming the setting and the entry', () => {
    const { settings, errors } = validateHost({
      allowedHostOrigins: [
        'https://ok.example.org',
        'https://platform.example.org/',
        'https://platform.example.org/notebooks',
        'HTTPS://Platform.example.org',
        'https://platform.example.org:443',
        'platform.example.org',
        '*',
        'null',
        'ftp://files.example.org',
        'https://user:pw@platform.example.org',
        '',
        42,
        'https://ok.example.org'
      ]
    });
    assert.deepEqual(settings.allowedHostOrigins, ['https://ok.example.org']);
    assert.equal(errors.length, 11);
    for (const error of errors) {
      assert.match(error, /^setting "allowedHostOrigins" entry /);
      assert.match(error, /leaving it out$/);
    }
    assert.match(errors[0], /"https:\/\/platform\.example\.org\/" is invalid: not an exact origin \(did you mean "https:\/\/platform\.example\.org"\?\)/);
    assert.match(errors[2], /did you mean "https:\/\/platform\.example\.org"/);
    assert.match(errors[3], /did you mean "https:\/\/platform\.example\.org"/);
    assert.match(errors[5], /"\*" is not an origin/);
    assert.match(errors[7], /scheme ftp:/);
    assert.match(errors[10], /must be a string .*got a number/);
  });

  it('treats a non-array allow-list as none, with an error', () => {
    const { settings, errors } = validateHost({ allowedHostOrigins: 'https://platform.example.org' });
    assert.deepEqual(settings.allowedHostOrigins, []);
    assert.equal(errors.length, 1);
    assert.match(errors[0], /setting "allowedHostOrigins" must be an array of origins, got a string; trusting no host/);
  });

  it('falls back to the default for bad timeouts, naming the setting', () => {
    const { settings, errors } = validateHost({
      hostDataTimeout: -1,
      hostFetchTimeout: 0
    });
    assert.equal(settings.hostDataTimeout, 5000);
    assert.equal(settings.hostFetchTimeout, 30000);
    assert.match(errors[0], /^setting "hostDataTimeout" must be a whole number of milliseconds from 0 to 600000, got -1; using 5000$/);
    assert.match(errors[1], /^setting "hostFetchTimeout" .* from 1 to 600000, got 0; using 30000$/);
    for (const bad of ['5000', 1.5, NaN, Infinity, 600001, true, [5]]) {
      const result = validateHost({ hostDataTimeout: bad });
      assert.equal(result.settings.hostDataTimeout, 5000, String(bad));
      assert.equal(result.errors.length, 1);
    }
  });

  it('does not share the origin list between calls', () => {
    const a = validateHostSettings({});
    a.allowedHostOrigins.push('https://x.test');
    assert.deepEqual(validateHostSettings({}).allowedHostOrigins, []);
    assert.deepEqual(HOST_SETTING_DEFAULTS.allowedHostOrigins, []);
  });

  it('leaves the kernel settings alone: their own keys only', () => {
    const raw = { issuer: 'https://i', allowedHostOrigins: ['https://h.test'], hostDataTimeout: 1 };
    assert.deepEqual(Object.keys(validateSettings(raw)).sort(), ['autoOpen', 'clientId', 'environ', 'issuer', 'scope']);
  });

  it('logs to console.error with the project prefix by default', () => {
    const logged: unknown[][] = [];
    const error = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      validateHostSettings({ allowedHostOrigins: ['https://x.test/'] });
    } finally {
      console.error = error;
    }
    assert.equal(logged.length, 1);
    assert.match(String(logged[0][0]), /^\[jupyterlite-auth\] setting "allowedHostOrigins"/);
  });
});

describe('originProblem', () => {
  it('accepts exactly what MessageEvent.origin looks like', () => {
    for (const origin of ['https://a.example', 'http://127.0.0.1:8700', 'http://[::1]:1', 'https://xn--bcher-kva.de']) {
      assert.equal(originProblem(origin), null, origin);
    }
    assert.match(originProblem('https://bücher.de') ?? '', /did you mean "https:\/\/xn--bcher-kva\.de"/);
  });

  it('says what is wrong with an origin that does not parse', () => {
    assert.equal(originProblem('https://platform.example:443000'), 'port "443000" is not a number from 0 to 65535');
    assert.equal(originProblem('platform.example'), 'not an absolute URL (it needs a scheme, such as https://)');
    assert.match(originProblem('https://plat form.example') ?? '', /^not a valid URL \(check the host name/);
  });
});

describe('kernelSettings', () => {
  it('is the four settings plus the two timeouts, never the trusted origins', () => {
    const raw = {
      issuer: 'https://i',
      environ: { A: 'b' },
      allowedHostOrigins: ['https://h.test'],
      hostDataTimeout: 1000,
      hostFetchTimeout: 2000
    };
    assert.deepEqual(kernelSettings(validateSettings(raw), validateHostSettings(raw)), {
      issuer: 'https://i',
      clientId: '',
      scope: '',
      autoOpen: true,
      environ: { A: 'b' },
      hostDataTimeout: 1000,
      hostFetchTimeout: 2000,
      problems: []
    });
    assert.deepEqual(kernelSettings(emptySettings(), validateHostSettings({}), ['x']).problems, ['x']);
  });
});
