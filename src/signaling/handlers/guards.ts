// Narrowing helpers for handlers; the dispatcher has already checked the auth level.
import type { Scope } from '../../directory/directory.js';
import { ProtocolError } from '../../protocol/errors.js';
import type { Connection, LoggedIn } from '../connection.js';
import type { Services } from '../services.js';

export function loggedIn(conn: Connection): LoggedIn {
  if (!conn.login) throw ProtocolError.auth('not logged in');
  return conn.login;
}

export function authorizedRole(conn: Connection): { login: LoggedIn; role: string } {
  const login = loggedIn(conn);
  if (!conn.role) throw ProtocolError.auth('no role authorized');
  return { login, role: conn.role };
}

export function requireAdmin(services: Services, conn: Connection, scope: Scope | undefined): Scope {
  const login = loggedIn(conn);
  if (!scope || !services.directory.isAdmin(login.user, scope)) throw ProtocolError.auth('admin rights required');
  return scope;
}
