// The one dev account. Its id is the OIDC `sub` and also the legacy X-Account-Id, so both
// ways into the API name the same person.
import { createHash, timingSafeEqual } from 'node:crypto';

export const DEV_EMAIL = 'dev@example.test';
export const DEV_NAME = 'Dev User';
export const DEV_PASSWORD = 'dev-password';

// Compares secrets without leaking their length or content through timing.
export function safeEqual(a, b) {
  const digest = (value) => createHash('sha256').update(String(value)).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function createAccounts({ devAccountId }) {
  const account = Object.freeze({ id: devAccountId, name: DEV_NAME, email: DEV_EMAIL });

  return {
    account,

    // Email is matched case-insensitively (as people type it); the password exactly.
    authenticate(email, password) {
      const emailOk = safeEqual(String(email ?? '').trim().toLowerCase(), DEV_EMAIL);
      const passwordOk = safeEqual(password ?? '', DEV_PASSWORD);
      return emailOk && passwordOk ? account : undefined;
    },

    byId(id) {
      return id === account.id ? account : undefined;
    },

    // The shape oidc-provider's `findAccount` must return.
    async findAccount(_ctx, id) {
      if (id !== account.id) return undefined;
      return {
        accountId: account.id,
        async claims() {
          return { sub: account.id, name: account.name, email: account.email, email_verified: true };
        },
      };
    },
  };
}
