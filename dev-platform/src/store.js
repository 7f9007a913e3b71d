// In-memory storage behind oidc-provider's adapter interface.
//
// Why not the library's built-in memory adapter: it drops a device code the moment it expires, so
// a late poll is answered `invalid_grant` instead of RFC 8628's `expired_token`; and it is an LRU of
// 1000 entries, which a benchmark can overflow (silently losing live grants). Here nothing is evicted
// before it expires, and models listed in `keepExpired` stay readable for a while past expiry (the
// library itself then sees the expiry and answers accordingly).

const SWEEP_EVERY_MS = 30_000;

// Models whose entries belong to a grant, so revoking the grant can remove them together.
const GRANT_MEMBERS = new Set([
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);

export function createStore({ clockTolerance = 0, keepExpired = {} } = {}) {
  const entries = new Map(); // "Model:id" -> { payload, dropAt }
  const byUserCode = new Map(); // userCode -> id (DeviceCode)
  const bySessionUid = new Map(); // uid -> id (Session)
  const byGrant = new Map(); // grantId -> Set of "Model:id"

  function unindex(key, payload) {
    const id = key.slice(key.indexOf(':') + 1);
    if (payload.userCode && byUserCode.get(payload.userCode) === id) byUserCode.delete(payload.userCode);
    if (payload.uid && bySessionUid.get(payload.uid) === id) bySessionUid.delete(payload.uid);
    if (payload.grantId) {
      const members = byGrant.get(payload.grantId);
      members?.delete(key);
      if (members?.size === 0) byGrant.delete(payload.grantId);
    }
  }

  function remove(key) {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    unindex(key, entry.payload);
  }

  function read(key) {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.dropAt <= Date.now()) {
      remove(key);
      return undefined;
    }
    // A copy, so the library's objects never alias what is stored.
    return structuredClone(entry.payload);
  }

  function sweep() {
    const now = Date.now();
    for (const [key, entry] of entries) {
      if (entry.dropAt <= now) remove(key);
    }
  }

  const timer = setInterval(sweep, SWEEP_EVERY_MS);
  timer.unref();

  function adapterFor(model) {
    const keyOf = (id) => `${model}:${id}`;
    const graceMs = (keepExpired[model] ?? 0) * 1000;

    return {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        remove(key);
        const dropAt = typeof expiresIn === 'number'
          ? Date.now() + (expiresIn + clockTolerance) * 1000 + graceMs
          : Infinity;
        entries.set(key, { payload: structuredClone(payload), dropAt });
        if (model === 'DeviceCode' && payload.userCode) byUserCode.set(payload.userCode, id);
        if (model === 'Session' && payload.uid) bySessionUid.set(payload.uid, id);
        if (GRANT_MEMBERS.has(model) && payload.grantId) {
          if (!byGrant.has(payload.grantId)) byGrant.set(payload.grantId, new Set());
          byGrant.get(payload.grantId).add(key);
        }
      },

      async find(id) {
        return read(keyOf(id));
      },

      async findByUserCode(userCode) {
        const id = byUserCode.get(userCode);
        return id === undefined ? undefined : read(keyOf(id));
      },

      async findByUid(uid) {
        const id = bySessionUid.get(uid);
        return id === undefined ? undefined : read(keyOf(id));
      },

      async consume(id) {
        const entry = entries.get(keyOf(id));
        if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
      },

      async destroy(id) {
        remove(keyOf(id));
      },

      // The library calls this on each token model; every member of the grant goes at once.
      async revokeByGrantId(grantId) {
        for (const key of [...(byGrant.get(grantId) ?? [])]) remove(key);
        byGrant.delete(grantId);
      },
    };
  }

  return {
    adapterFor,
    size: () => entries.size,
    close: () => clearInterval(timer),
  };
}
