// Entry point of the admin console (served at /admin).
import { render } from 'preact';
import { App } from './views/App.js';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
