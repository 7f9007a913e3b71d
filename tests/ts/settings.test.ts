import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { emptySettings, validateSettings } from '../../src/settings';

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
      environ: { API_HOST: 'platform.example.com', API_PORT: '443', API_SECURE: 'true' }
    };
    const { settings, errors } = validate(raw);
    assert.deepEqual(settings, raw);
    assert.deepEqual(errors, []);
  });

  it('defaults missing, null and undefined input to unset', () => {
    for (const raw of [undefined, null, {}, { issuer: null, environ: null }]) {
      const { settings, errors } = validate(raw);
      assert.deepEqual(settings, emptySettings());
      assert.deepEqual(errors, []);
    }
  });

  it('sends only the four known keys', () => {
    const { settings } = validate({ issuer: 'https://i', extra: 'x', token: 'secret' });
    assert.deepEqual(Object.keys(settings).sort(), ['clientId', 'environ', 'issuer', 'scope']);
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
