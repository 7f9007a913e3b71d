// The dev platform's host page script (served at /host/host-page.js): connects the embedded
// notebook site with host/jupyterlite-host.js, as a real platform page would.
//   - get-data: answered with the page's data (credentials, or a list with ?data=list)
//   - set-data from the notebook: shown in <pre id="received">, one JSON document per line
//   - fetch: served only for this origin's /api/ URLs, with the legacy X-Account-Id/X-Auth-Token
//   - ?silent=1: nothing is ever answered (get-data, fetch), for timeout tests
// For tests: window.devHost = {bridge, config, received: [...payloads], sendData(payload)}.
import { allowPaths, createHostBridge } from './jupyterlite-host.js';

const config = JSON.parse(document.getElementById('host-config').textContent);
const iframe = document.getElementById('site');
const receivedView = document.getElementById('received');
const eventsView = document.getElementById('events');
const outgoing = document.getElementById('outgoing');
const received = [];

function note(line) {
  const time = new Date().toISOString().slice(11, 23);
  eventsView.textContent += `${time} ${line}\n`;
}

const apiPolicy = allowPaths({
  origin: location.origin,
  prefixes: ['/api/'],
  methods: ['GET', 'POST'], // what notebooks may do with the page's credentials
  init: { headers: config.legacyHeaders },
});

const bridge = createHostBridge({
  iframe,
  siteOrigin: config.siteOrigin,
  getData: config.silent
    ? undefined
    : () => {
      note('get-data: answered with set-data');
      return config.data;
    },
  onSetData: (payload) => {
    received.push(payload);
    // textContent only: whatever the notebook sends is shown, never interpreted.
    receivedView.textContent += `${JSON.stringify(payload)}\n`;
    note('set-data received');
  },
  fetchPolicy: (request) => {
    if (config.silent) {
      note(`fetch ${request.method} ${request.url}: not answered (silent)`);
      return new Promise(() => {});
    }
    const decision = apiPolicy(request);
    note(`fetch ${request.method} ${request.url}: ${decision ? 'served' : 'refused'}`);
    return decision;
  },
  log: (line) => console.debug(line),
});

outgoing.value = JSON.stringify(config.data, null, 2);
document.getElementById('send').addEventListener('click', () => {
  let payload;
  try {
    payload = JSON.parse(outgoing.value);
  } catch (error) {
    note(`not sent: ${error.message}`);
    return;
  }
  note(bridge.sendData(payload) ? 'set-data sent' : 'set-data not sent');
});

window.devHost = {
  bridge,
  config,
  received,
  sendData: (payload) => bridge.sendData(payload),
};

// Only now load the site: the bridge already listens for its first get-data.
iframe.src = iframe.dataset.src;
note(`loading ${iframe.dataset.src}`);
