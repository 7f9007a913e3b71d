// RFC 8628 polling rules that oidc-provider does not enforce: every device code has a required
// poll interval (POLL_INTERVAL at first); a poll that comes sooner than that after the previous
// poll of the same code is answered `slow_down`, and that code's interval grows by 5 s (3.5).
// SLOW_DOWN_POLLS=n also answers the first n polls of each code `slow_down` however late they
// come, as a provider under load may (the client's slowed-down path, end to end).
import { createHash } from 'node:crypto';

import { errors, Provider } from 'oidc-provider';

const SLOW_DOWN_STEP = 5;
// Clients sleep with timers that can fire a hair early (asyncio may wake a clock tick early);
// a poll that early is still "on time".
const EARLY_MS = 10;

// Device codes are secrets: the stats and logs name them by a short hash instead.
export function deviceCodeKey(deviceCode) {
  return createHash('sha256').update(String(deviceCode)).digest('hex').slice(0, 16);
}

export function createPollGate({ pollInterval, keepSeconds, slowDownPolls = 0, now = Date.now }) {
  const codes = new Map(); // key -> { ordinal, interval, lastPollAt, forgetAt }
  let ordinals = 0;

  function forgetOld() {
    const t = now();
    for (const [key, state] of codes) {
      if (state.forgetAt <= t) codes.delete(key);
    }
  }

  return {
    // Called when a device code is issued; `lifetime` is its expires_in in seconds.
    register(deviceCode, lifetime) {
      forgetOld();
      ordinals += 1;
      const key = deviceCodeKey(deviceCode);
      codes.set(key, {
        ordinal: ordinals,
        interval: pollInterval,
        polls: 0,
        lastPollAt: undefined,
        forgetAt: now() + (lifetime + keepSeconds) * 1000,
      });
      return { key, ordinal: ordinals };
    },

    // Records a poll; returns the new interval when the poll came too soon, else undefined.
    // Unknown codes pass: the provider answers them (invalid_grant).
    poll(deviceCode) {
      const state = codes.get(deviceCodeKey(deviceCode));
      if (!state) return undefined;
      const t = now();
      const previous = state.lastPollAt;
      state.lastPollAt = t;
      state.polls += 1;
      const tooSoon = previous !== undefined && t - previous < state.interval * 1000 - EARLY_MS;
      if (tooSoon || state.polls <= slowDownPolls) {
        state.interval += SLOW_DOWN_STEP;
        return state.interval;
      }
      return undefined;
    },

    describe(key) {
      const state = codes.get(key);
      return state ? { ordinal: state.ordinal, interval: state.interval } : {};
    },
  };
}

// Wraps an adapter factory so the token endpoint's lookup of a device code (exactly one per
// poll, after the client was authenticated) passes through the gate first. The device-code
// grant has no hook of its own; the adapter is the library's documented extension point and
// `Provider.ctx` tells which endpoint is asking.
export function gateDeviceCodeLookups(adapterFactory, gate) {
  return (model) => {
    const adapter = adapterFactory(model);
    if (model !== 'DeviceCode') return adapter;
    return {
      ...adapter,
      async find(id) {
        if (Provider.ctx?.oidc?.route === 'token') {
          const interval = gate.poll(id);
          if (interval !== undefined) {
            throw new errors.SlowDown(`polling too fast; wait at least ${interval} seconds between polls of this device code`);
          }
        }
        return adapter.find(id);
      },
    };
  };
}
