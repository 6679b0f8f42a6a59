// SipAccess from the Loopcast directory: a loop's number is `loops.<id>.sip.number`; an account acts
// as its configured user and role, with that role's permission on the loop (send, recv or none).
import type { Directory, Scope } from '../../directory/directory.js';
import { isRoleMember, loopPermission } from '../../directory/permissions.js';
import type { LoopRecord } from '../../directory/schema.js';
import { loopKey } from '../../directory/loop-key.js';
import type { SipConfig } from './sip-config.js';
import type { SipAccess, SipLoopTarget } from './sip-gateway.js';

/** The dialled number of a loop, if it has one (`"sip": {"number": "1001"}`). */
export function loopNumber(loop: LoopRecord): string | undefined {
  const sip: unknown = loop.sip;
  if (typeof sip !== 'object' || sip === null) return undefined;
  const number: unknown = (sip as { number?: unknown }).number;
  return typeof number === 'string' && number.length > 0 ? number : undefined;
}

/** Roles that may call out of a loop (`"sip": {"callout": ["flight"]}`). */
export function calloutRoles(loop: LoopRecord): string[] {
  const sip: unknown = loop.sip;
  if (typeof sip !== 'object' || sip === null) return [];
  const roles: unknown = (sip as { callout?: unknown }).callout;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}

export class DirectorySipAccess implements SipAccess {
  constructor(
    private readonly directory: Directory,
    private readonly accounts: SipConfig['accounts'],
  ) {}

  loopOf(number: string): SipLoopTarget | undefined {
    const found = this.find((loop) => loopNumber(loop) === number);
    if (!found) return undefined;
    const { scope, loop } = found;
    return { key: loopKey(scope, loop.id), ...(loop.multicast ? { address: { host: loop.multicast.host, port: loop.multicast.port } } : {}) };
  }

  passwordOf(account: string): string | undefined {
    return Object.hasOwn(this.accounts, account) ? this.accounts[account]?.password : undefined;
  }

  talkModeOf(account: string): 'voice' | 'dtmf' {
    return (Object.hasOwn(this.accounts, account) ? this.accounts[account]?.talk : undefined) ?? 'voice';
  }

  /** Who the account acts as, if that user still exists and still has the role. */
  identityOf(account: string): { user: string; role: string; scope: Scope } | undefined {
    const a = Object.hasOwn(this.accounts, account) ? this.accounts[account] : undefined;
    if (!a) return undefined;
    const ref = this.directory.findUser(a.user);
    const role = ref ? this.directory.role(ref.scope, a.role) : undefined;
    if (!ref || !role || !isRoleMember(role, a.user)) return undefined;
    return { user: a.user, role: a.role, scope: ref.scope };
  }

  permission(account: string, target: SipLoopTarget): 'send' | 'recv' | 'none' {
    const identity = this.identityOf(account);
    if (!identity) return 'none';
    // Checked at call time, so directory changes apply to the next call.
    const loop = Object.values(identity.scope.data.loops).find((l) => loopKey(identity.scope, l.id) === target.key);
    return loop ? loopPermission(loop, identity.role) : 'none';
  }

  private find(match: (loop: LoopRecord) => boolean): { scope: Scope; loop: LoopRecord } | undefined {
    for (const domain of this.directory.allDomains()) {
      for (const scope of [domain, ...this.directory.projectsOf(domain.id)]) {
        for (const loop of Object.values(scope.data.loops)) if (match(loop)) return { scope, loop };
      }
    }
    return undefined;
  }
}
