// Top level: the login form until an administrator is logged in, then the console shell.
import { api } from '../state/app.js';
import { LoginView } from './LoginView.js';
import { Shell } from './Shell.js';

export function App() {
  return api.value ? <Shell /> : <LoginView />;
}
