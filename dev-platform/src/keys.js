// The provider's ID-token signing key: RSA 2048 for RS256, made fresh at every start (nothing to
// commit or leak; tokens of an earlier run stop verifying, as after a key rotation).
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const generate = promisify(generateKeyPair);

// RSA key generation time varies widely (0.3-0.9 s on a 2-core machine); two generations race on
// the thread pool and the first one wins, which keeps start-up under a second.
export async function generateSigningKey() {
  const { privateKey } = await Promise.any([
    generate('rsa', { modulusLength: 2048 }),
    generate('rsa', { modulusLength: 2048 }),
  ]);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `dev-${randomBytes(6).toString('hex')}`, use: 'sig', alg: 'RS256' };
}
