// Login through the company directory: users without a local password are checked by binding to
// LDAP; their groups decide their project and roles, written into the Loopcast directory so that
// roles, authorize and sessions work exactly as for local users.
import type { Logger } from 'pino';
import type { Directory, UserRef } from '../../directory/directory.js';
import { isRoleMember } from '../../directory/permissions.js';
import type { DomainFile, ProjectFile } from '../../directory/schema.js';
import { ProtocolError } from '../../protocol/errors.js';
import type { LdapConfig } from './ldap-config.js';
import { LdapDirectory, LdapUnavailableError, type DirectoryUser } from './ldap-directory.js';
import { grantFor, type RoleGrant } from './ldap-text.js';

/** What the login handler sees when the directory is down: says what still works. */
export const LDAP_UNAVAILABLE = 'LDAP directory unavailable: directory users cannot log in now (local accounts still can)';

export interface LdapAuthenticator {
  authenticate(user: string, password: string): Promise<DirectoryUser | undefined>;
}

/** What a login would do, for the console's test button (nothing is written, nobody logs in). */
export type LdapProbe =
  | { result: 'ok'; entry: DirectoryUser; grant: RoleGrant }
  | { result: 'refused' }
  | { result: 'unmapped'; entry: DirectoryUser }
  | { result: 'unavailable'; reason: string };

export class LdapLogin {
  private readonly ldap: LdapAuthenticator;

  constructor(
    private readonly config: LdapConfig,
    private readonly directory: Directory,
    private readonly log: Logger,
    ldap?: LdapAuthenticator,
  ) {
    this.ldap = ldap ?? new LdapDirectory(config);
  }

  /** The configured directory (read-only: it is set in the configuration file). */
  get settings(): LdapConfig {
    return this.config;
  }

  /** A trial bind as `user`: the entry and what its groups grant, without provisioning or a session. */
  async probe(user: string, password: string): Promise<LdapProbe> {
    let entry: DirectoryUser | undefined;
    try {
      entry = await this.ldap.authenticate(user, password);
    } catch (err) {
      if (!(err instanceof LdapUnavailableError)) throw err;
      this.log.warn({ user, reason: err.message }, 'LDAP unavailable (test login)');
      return { result: 'unavailable', reason: err.message };
    }
    if (entry === undefined) return { result: 'refused' };
    const grant = grantFor(entry.groups, this.config.projects);
    return grant ? { result: 'ok', entry, grant } : { result: 'unmapped', entry };
  }

  /** Local users with a password never touch LDAP, so local admins log in while it is down. */
  appliesTo(ref: UserRef | undefined): boolean {
    return ref === undefined || ref.user.password === undefined;
  }

  /**
   * The user's directory entry after a successful bind, provisioned into the mapped project;
   * undefined when the password or the role mapping refuses the user. Throws ProtocolError 5000
   * with LDAP_UNAVAILABLE when the directory cannot be asked.
   */
  async login(user: string, password: string): Promise<UserRef | undefined> {
    let entry: DirectoryUser | undefined;
    try {
      entry = await this.ldap.authenticate(user, password);
    } catch (err) {
      if (!(err instanceof LdapUnavailableError)) throw err;
      this.log.warn({ user, reason: err.message }, 'LDAP unavailable');
      throw ProtocolError.auth(LDAP_UNAVAILABLE);
    }
    if (entry === undefined) return undefined;
    const grant = grantFor(entry.groups, this.config.projects);
    if (grant === undefined) {
      this.log.info({ user, groups: entry.groups }, 'LDAP user has no mapped role');
      return undefined;
    }
    await this.provision(user, entry, grant);
    return this.directory.findUser(user);
  }

  /** Put the user into the granted project with exactly the granted managed roles. */
  private async provision(user: string, entry: DirectoryUser, grant: RoleGrant): Promise<void> {
    const scope = this.directory.project(grant.project) ?? this.directory.domain(grant.project);
    if (scope === undefined) throw ProtocolError.auth(`LDAP role mapping names an unknown project ${grant.project}`);
    const current = this.directory.findUser(user);
    if (current && current.scope !== scope) {
      // Moved to another project by a group change: leave the old one first (ids are unique).
      await this.directory.change(current.scope, (draft) => removeUser(draft, user));
    }
    if (current?.scope === scope && upToDate(scope.data, user, entry, grant)) return;
    await this.directory.change(scope, (draft) => {
      const previous = Object.hasOwn(draft.users, user) ? draft.users[user] : undefined;
      draft.users[user] = { ...previous, id: user, ...(entry.name !== undefined ? { name: entry.name } : {}), ldap: { dn: entry.dn } };
      for (const roleId of grant.managed) {
        const role = Object.hasOwn(draft.roles, roleId) ? draft.roles[roleId] : undefined;
        if (!role) continue;
        if (grant.roles.includes(roleId)) role.users[user] = null;
        else delete role.users[user];
      }
    });
    this.log.info({ user, project: grant.project, roles: grant.roles }, 'LDAP user provisioned');
  }
}

function removeUser(draft: DomainFile | ProjectFile, user: string): void {
  delete draft.users[user];
  for (const role of Object.values(draft.roles)) delete role.users[user];
}

function upToDate(data: DomainFile | ProjectFile, user: string, entry: DirectoryUser, grant: RoleGrant): boolean {
  const record = Object.hasOwn(data.users, user) ? data.users[user] : undefined;
  if (!record || record.name !== entry.name) return false;
  const ldap = record.ldap as { dn?: unknown } | undefined;
  if (ldap?.dn !== entry.dn) return false;
  return grant.managed.every((roleId) => {
    const role = Object.hasOwn(data.roles, roleId) ? data.roles[roleId] : undefined;
    return !role || isRoleMember(role, user) === grant.roles.includes(roleId);
  });
}
