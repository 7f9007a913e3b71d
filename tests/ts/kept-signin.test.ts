import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { IKeptOutputs, IOutputJSON } from '../../src/kept-signin';
import { failedOutput, liveDisplays, settleKeptDisplays, widgetModelId, WIDGET_MIME } from '../../src/kept-signin';

/** An output list like the notebook's, holding JSON; each item answers toJSON like JupyterLab's. */
function outputs(items: IOutputJSON[]): IKeptOutputs & { items: IOutputJSON[] } {
  return {
    items,
    get length() {
      return items.length;
    },
    get: (index: number) => ({ ...items[index], toJSON: () => items[index] }),
    add: (output: IOutputJSON) => items.push(output),
    set: (index: number, output: IOutputJSON) => {
      items[index] = output;
    },
    remove: (index: number) => {
      items.splice(index, 1);
    }
  };
}

const live = (modelId: string): IOutputJSON => ({
  output_type: 'display_data',
  data: {
    'text/plain': 'Authentication Required\nCode: BCDF-GHJK',
    'text/html': '<div class="jla-signin">BCDF-GHJK</div>',
    [WIDGET_MIME]: { model_id: modelId, version_major: 2, version_minor: 0 }
  },
  metadata: { jupyterlite_auth: { waiting: true } }
});
const printed: IOutputJSON = { output_type: 'stream', name: 'stdout', text: 'Code: printed by the user\n' };

describe('liveDisplays', () => {
  it('copies the displays showing a live code, and nothing else', () => {
    const list = outputs([printed, live('m1')]);
    const kept = liveDisplays(list);
    assert.deepEqual(kept, [live('m1')]);
    kept[0].metadata = {};
    assert.deepEqual(list.items[1], live('m1'), 'a copy: the list is untouched');
  });

  it('finds none in a finished cell', () => {
    assert.deepEqual(liveDisplays(outputs([printed, failedOutput('cancelled', '')])), []);
  });
});

describe('widgetModelId', () => {
  it('reads the widget view mime bundle strictly', () => {
    assert.equal(widgetModelId(live('m1')), 'm1');
    for (const data of [undefined, null, 'x', {}, { [WIDGET_MIME]: 'm1' }, { [WIDGET_MIME]: { model_id: 3 } }, { [WIDGET_MIME]: { model_id: '' } }]) {
      assert.equal(widgetModelId({ data }), null, JSON.stringify(data));
    }
  });
});

describe('settleKeptDisplays', () => {
  it('removes the kept display after a success: the queued run prints the signed-in line', () => {
    const list = outputs([live('m1')]);
    assert.equal(settleKeptDisplays(list, 'm1', 'signed-in', 'Signed in as Dev User until 17:16'), 1);
    assert.deepEqual(list.items, []);
  });

  it('replaces it with the outcome and its message otherwise, with no code left', () => {
    const list = outputs([printed, live('m1')]);
    assert.equal(settleKeptDisplays(list, 'm1', 'cancelled', 'Run the cell again to sign in.'), 1);
    assert.equal(list.items[0], printed);
    const outcome = list.items[1];
    assert.equal(outcome.data!['text/plain'], 'Sign-in cancelled. Run the cell again to sign in.');
    assert.doesNotMatch(JSON.stringify(outcome), /BCDF-GHJK|widget-view|waiting/);
  });

  it('touches only the displays of that widget model', () => {
    const list = outputs([live('other'), live('m1')]);
    assert.equal(settleKeptDisplays(list, 'm1', 'expired', 'Run the cell again for a new code.'), 1);
    assert.deepEqual(list.items[0], live('other'));
    assert.equal(list.items[1].data!['text/plain'], 'The code expired. Run the cell again for a new code.');
  });

  it('escapes the message, and names an unknown state a failure', () => {
    const outcome = failedOutput('strange', '<img src=x onerror=alert(1)> & "quotes"');
    assert.equal(outcome.data!['text/plain'], 'Sign-in failed. <img src=x onerror=alert(1)> & "quotes"');
    assert.doesNotMatch(String(outcome.data!['text/html']), /<img/);
    assert.match(String(outcome.data!['text/html']), /class="jla-outcome jla-error"/);
  });
});
