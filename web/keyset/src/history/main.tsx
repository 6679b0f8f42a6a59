// Entry of the history page (/history.html): recordings of the loops the user may play back.
import { render } from 'preact';
import { History } from './history.js';
import { HistoryApp } from './ui/HistoryApp.js';
import '../ui/styles.css';
import './ui/history.css';

const history = new History();
render(<HistoryApp history={history} />, document.getElementById('app')!);

// Read-only hook for the browser tests.
Object.assign(window, { __history: { phase: () => history.phase.value, talks: () => history.talks.value, mix: () => history.mix.value, searched: () => history.searched.value, busy: () => history.busy.value } });
