import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { IOutputLike } from '../../src/stale-signin';
import { endStaleSignIns, showsLiveCode, STOPPED_TEXT } from '../../src/stale-signin';

/** An output list like the notebook's: get and set by index. */
function outputs(items: IOutputLike[]) {
  return {
    items,
    get length() {
      return items.length;
    },
    get: (index: number) => items[index],
    set: (index: number, value: IOutputLike) => {
      items[index] = value;
    }
  };
}

const LIVE = {
  output_type: 'display_data',
  data: { 'text/plain': 'Authentication Required\nCode: BCDF-GHJK', 'application/vnd.jupyter.widget-view+json': { model_id: 'm1' } },
  metadata: { jupyterlite_auth: { waiting: true } }
};

describe('endStaleSignIns', () => {
  it('replaces each display showing a live code with the outcome, and nothing else', () => {
    const printed: IOutputLike = { metadata: undefined, ...{ output_type: 'stream', text: 'Code: not ours' } };
    const outcome = { output_type: 'display_data', data: { 'text/plain': '✓ Signed in' }, metadata: {} };
    const list = outputs([printed, { ...LIVE }, outcome, { ...LIVE }]);
    assert.equal(endStaleSignIns(list), 2);
    assert.equal(list.items[0], printed);
    assert.equal(list.items[2], outcome);
    for (const index of [1, 3]) {
      const replaced = list.items[index] as unknown as { data: Record<string, string>; metadata: object };
      assert.equal(replaced.data['text/plain'], STOPPED_TEXT);
      assert.deepEqual(Object.keys(replaced.data).sort(), ['text/html', 'text/plain']);
      assert.doesNotMatch(JSON.stringify(replaced), /BCDF-GHJK|widget-view/);
      assert.equal(showsLiveCode(replaced), false);
    }
    assert.equal(endStaleSignIns(list), 0, 'a second restart finds nothing left');
  });

  it('reads the marker strictly: only {waiting: true} under our key', () => {
    assert.equal(showsLiveCode({ metadata: { jupyterlite_auth: { waiting: true } } }), true);
    for (const metadata of [undefined, null, 'x', {}, { jupyterlite_auth: true }, { jupyterlite_auth: { waiting: 'yes' } }, { other: { waiting: true } }]) {
      assert.equal(showsLiveCode({ metadata }), false, JSON.stringify(metadata));
    }
  });
});
