// register, login, update_login, logout, get{type:user}, user_roles, authorize (docs/openvocs-protocol.md §5).
import { verifyPassword, type StoredPassword } from '../../directory/passwords.js';
import { isRoleMember } from '../../directory/permissions.js';
import type { JsonObject } from '../../protocol/envelope.js';
import { ErrorCode, ProtocolError } from '../../protocol/errors.js';
import { paramsOf } from '../../protocol/schemas.js';
import type { HandlerContext, HandlerTable } from '../services.js';
import { leaveEverything } from './leave.js';
import { loggedIn } from './guards.js';

/** Verified against when the user does not exist, so a wrong name costs as long as a wrong password. */
const DUMMY_PASSWORD: StoredPassword = { hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', salt: 'c2FsdA==' };
const LOGIN_FAILED = 'wrong user name or password';

/** A client id names one client in broadcasts and binds sessions: another user's live socket keeps it. */
function refuseForeignClient(services: HandlerContext['services'], client: string, user: string): void {
  for (const c of services.hub.connections) {
    if (!c.closed && c.login?.client === client && c.login.user !== user) throw ProtocolError.auth('client id is in use by another user');
  }
}

async function login({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  if (conn.login) throw new ProtocolError(ErrorCode.alreadyAuthenticated);
  const { user, password } = paramsOf('login', request.parameter);
  const now = Date.now();
  const client = request.client ?? conn.id;
  // A still-valid session id issued to this client id logs in again without the password (reload). It is
  // checked before the throttle: an attacker's failures must never keep the real user from resuming.
  const resumable = services.directory.findUser(user) !== undefined && services.sessions.find(password, user, client) !== undefined;
  refuseForeignClient(services, client, user);
  const wait = resumable ? 0 : services.throttle.retryAfter(user, conn.remoteAddress, now);
  if (wait > 0) {
    services.metrics.logins.inc({ outcome: 'throttled' });
    services.log.warn({ conn: conn.id, user, address: conn.remoteAddress, waitMs: wait }, 'login refused: throttled');
  }
  if (wait > 0) {
    const retryAfterSeconds = Math.ceil(wait / 1000);
    throw ProtocolError.named('loginThrottled', `too many failed logins; retry in ${retryAfterSeconds} s`, { details: { retryAfterSeconds } });
  }

  let ref = services.directory.findUser(user);
  const viaSession = resumable && ref !== undefined;
  // Users without a local password are checked by the LDAP directory when one is configured (docs/ldap.md).
  const ldap = !viaSession && services.ldap?.appliesTo(ref) ? services.ldap : undefined;
  if (ldap) ref = await ldap.login(user, password);
  const ok = viaSession || (ldap ? ref !== undefined : (await verifyPassword(password, ref?.user.password ?? DUMMY_PASSWORD)) && ref !== undefined);
  if (!ok || !ref) {
    services.throttle.recordFailure(user, conn.remoteAddress, now);
    services.metrics.logins.inc({ outcome: 'wrong_credentials' });
    services.log.warn({ conn: conn.id, user, address: conn.remoteAddress }, 'login failed');
    throw ProtocolError.auth(LOGIN_FAILED);
  }
  services.throttle.recordSuccess(user, conn.remoteAddress);
  const sockets = services.hub.socketsOfUser(user).filter((c) => !c.closed).length;
  if (sockets >= services.limits.maxSocketsPerUser) {
    throw new ProtocolError(ErrorCode.userSocketLimit, `user ${user} already has ${sockets} sockets (limit ${services.limits.maxSocketsPerUser})`);
  }
  if (viaSession) await services.sessions.revoke(password);
  const session = await services.sessions.create(user, client, services.limits.maxStoredSessionsPerUser);
  // The socket may have gone while we hashed and wrote: never register a closed socket in a group.
  if (conn.closed || conn.login) throw new ProtocolError(ErrorCode.alreadyAuthenticated);
  // Concurrent logins passed the cap check together: the last to register is refused.
  if (services.hub.socketsOfUser(user).filter((c) => !c.closed).length >= services.limits.maxSocketsPerUser) {
    await services.sessions.revoke(session);
    throw new ProtocolError(ErrorCode.userSocketLimit, `user ${user} has reached the socket limit (${services.limits.maxSocketsPerUser})`);
  }
  conn.login = { user, scope: ref.scope, session, client };
  conn.registered = true;
  services.hub.addUser(conn, user);
  services.metrics.logins.inc({ outcome: viaSession ? 'resumed' : 'ok' });
  services.log.info({ conn: conn.id, user, client, viaSession }, 'logged in');
  return { id: user, session };
}

async function updateLogin({ conn, request, services }: HandlerContext): Promise<JsonObject> {
  const current = loggedIn(conn);
  const { user, session } = paramsOf('update_login', request.parameter);
  if (user !== current.user || !services.sessions.find(session, user)) throw ProtocolError.auth('session invalid or expired');
  await services.sessions.renew(session);
  return { id: user, session };
}

async function logout({ conn, services }: HandlerContext): Promise<JsonObject> {
  const current = loggedIn(conn);
  await services.sessions.revoke(current.session);
  leaveEverything(services, conn);
  services.log.info({ conn: conn.id, user: current.user }, 'logged out');
  // Close after the reply is on the wire.
  setImmediate(() => conn.close(1000, 'logout'));
  return {};
}

function getUser({ conn, services }: HandlerContext): JsonObject {
  const { user, scope } = loggedIn(conn);
  const ref = services.directory.findUser(user);
  if (!ref) throw ProtocolError.auth('user no longer exists');
  const { password: _password, ...visible } = ref.user;
  const domain: JsonObject = { domain: scope.domainId };
  if (scope.kind === 'project') domain.project = scope.id;
  return { type: 'user', result: { ...visible, domain } };
}

function userRoles({ conn, services }: HandlerContext): JsonObject {
  const { user, scope } = loggedIn(conn);
  const roles: JsonObject = {};
  for (const role of services.directory.rolesOfUser(user)) {
    const { users: _users, ...visible } = role;
    roles[role.id] = { ...visible, project: scope.id };
  }
  return { roles };
}

function authorize({ conn, request, services }: HandlerContext): JsonObject {
  const { user, scope } = loggedIn(conn);
  if (conn.role !== undefined) throw new ProtocolError(ErrorCode.roleChange);
  const { role } = paramsOf('authorize', request.parameter);
  const record = services.directory.role(scope, role);
  if (!record || !isRoleMember(record, user)) throw ProtocolError.auth(`role ${role} is not allowed for ${user}`);
  conn.role = role;
  services.log.info({ conn: conn.id, user, role }, 'role authorized');
  return { id: role };
}

export const sessionHandlers: HandlerTable = {
  register: {
    auth: 'none',
    handle: ({ conn }) => {
      conn.registered = true;
      return {};
    },
  },
  login: { auth: 'none', handle: login },
  authenticate: { auth: 'none', handle: login },
  update_login: { auth: 'login', handle: updateLogin },
  logout: { auth: 'login', handle: logout },
  user_roles: { auth: 'login', handle: userRoles },
  authorize: { auth: 'login', handle: authorize },
  authorise: { auth: 'login', handle: authorize },
};

export { getUser };
