// Entry: the controller, the UI, the test hook and the PWA service worker.
import { render } from 'preact';
import { startHealth } from './app/health.js';
import { Keyset } from './app/keyset.js';
import { ui } from './app/state.js';
import { App } from './ui/App.js';
import './ui/styles.css';
import './ui/keys.css';
import { playedCues } from './audio/cues.js';

const keyset = new Keyset(window.localStorage, window.sessionStorage);
keyset.talk.bindInputs();
startHealth(keyset);
render(<App keyset={keyset} />, document.getElementById('app')!);
void keyset.boot();

// Read-only hook for the browser tests (and for support staff in the devtools console).
Object.assign(window, {
  __keyset: {
    peak: () => keyset.output.meter?.peak() ?? { frequency: 0, db: -Infinity },
    micLevel: () => ui.micLevel.value,
    phase: () => ui.phase.value,
    loops: () => ui.loops.value,
    backends: () => ui.backends.value,
    transmitting: () => ui.transmitting.value,
    stale: () => ui.stale.value,
    cues: () => playedCues.map((c) => c.name),
    notice: () => ui.notice.value,
  },
});

if ('serviceWorker' in navigator && location.protocol === 'https:') {
  window.addEventListener('load', () => void navigator.serviceWorker.register('/sw.js').catch(() => {}));
}
