// Counters that tests and benchmarks read from GET /dev/stats: how many device authorizations,
// how each device code was polled and answered, slow_down replies, refreshes, revocations.
export function createStats({ describeDeviceCode }) {
  let counters;
  let perCode; // device-code key -> { polls, replies: { <error or "issued">: n } }

  function reset() {
    counters = {
      deviceAuthorizations: 0,
      tokenPolls: 0,
      slowDowns: 0,
      refreshes: 0,
      refreshFailures: 0,
      revocations: 0,
    };
    perCode = new Map();
  }
  reset();

  return {
    reset,

    deviceAuthorized(key) {
      counters.deviceAuthorizations += 1;
      perCode.set(key, { polls: 0, replies: {} });
    },

    // `outcome` is "issued" for a token response, else the OAuth error code.
    polled(key, outcome) {
      counters.tokenPolls += 1;
      if (outcome === 'slow_down') counters.slowDowns += 1;
      if (!perCode.has(key)) perCode.set(key, { polls: 0, replies: {} });
      const entry = perCode.get(key);
      entry.polls += 1;
      entry.replies[outcome] = (entry.replies[outcome] ?? 0) + 1;
    },

    refreshed(ok) {
      if (ok) counters.refreshes += 1;
      else counters.refreshFailures += 1;
    },

    revoked() {
      counters.revocations += 1;
    },

    snapshot() {
      const deviceCodes = {};
      for (const [key, entry] of perCode) {
        deviceCodes[key] = { ...describeDeviceCode(key), polls: entry.polls, replies: { ...entry.replies } };
      }
      return { ...counters, deviceCodes };
    },
  };
}
