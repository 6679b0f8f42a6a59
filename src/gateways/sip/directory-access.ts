// SipAccess from the Loopcast directory: a loop's number is `loops.<id>.sip.number`; an account (or an
// allow-listed caller id) acts as its configured user and role, with that role's permission on the
// loop (send, recv or none); an active call permission naming it (`sip.whitelist`, permit_call) lets it talk.
import type { Directory, Scope } from '../../directory/directory.js';
import { loopKey } from '../../directory/loop-key.js';
import { isRoleMember, loopPermission } from '../../directory/permissions.js';
import type { LoopRecord } from '../../directory/schema.js';
import { permissionActive } from '../../protocol/sip-shapes.js';
import type { SipConfig } from './sip-config.js';
import type { SipAccess, SipLoopTarget } from './sip-types.js';

/** The dialled number of a loop, if it has one (`"sip": {"number": "1001"}`). */
export function loopNumber(loop: LoopRecord): string | undefined {
  return loop.sip?.number;
}

/** Roles that may call any destination out of a loop (`"sip": {"callout": ["flight"]}`). */
export function calloutRoles(loop: LoopRecord): string[] {
  return loop.sip?.callout ?? [];
}

/** An active call permission of the loop lets its talkers call `callee` (permit_call with a callee). */
export function permittedCallee(loop: LoopRecord, callee: string, nowMs: number): boolean {
  return (loop.sip?.whitelist ?? []).some((p) => p.callee === callee && permissionActive(p, Math.floor(nowMs / 1000)));
}

/** An active call permission of the loop names this caller (an account name or an allow-listed caller id). */
export function permittedCaller(loop: LoopRecord, caller: string, nowMs: number): boolean {
  return (loop.sip?.whitelist ?? []).some((p) => p.caller === caller && permissionActive(p, Math.floor(nowMs / 1000)));
}

type Identity = SipConfig['accounts'][string] | SipConfig['callers'][string];

export class DirectorySipAccess implements SipAccess {
  constructor(
    private readonly directory: Directory,
    private readonly config: Pick<SipConfig, 'accounts' | 'callers'>,
    private readonly now: () => number = Date.now,
  ) {}

  loopOf(number: string): SipLoopTarget | undefined {
    const found = this.find((loop) => loopNumber(loop) === number);
    if (!found) return undefined;
    const { scope, loop } = found;
    return { key: loopKey(scope, loop.id), ...(loop.multicast ? { address: { host: loop.multicast.host, port: loop.multicast.port } } : {}) };
  }

  passwordOf(account: string): string | undefined {
    return Object.hasOwn(this.config.accounts, account) ? this.config.accounts[account]?.password : undefined;
  }

  pinOf(callerId: string): string | undefined {
    return Object.hasOwn(this.config.callers, callerId) ? this.config.callers[callerId]?.pin : undefined;
  }

  talkModeOf(name: string): 'voice' | 'dtmf' {
    return this.configured(name)?.talk ?? 'voice';
  }

  /** Who an account or caller id acts as, if that user still exists and still has the role. */
  identityOf(name: string): { user: string; role: string; scope: Scope } | undefined {
    const a = this.configured(name);
    if (!a) return undefined;
    const ref = this.directory.findUser(a.user);
    const role = ref ? this.directory.role(ref.scope, a.role) : undefined;
    if (!ref || !role || !isRoleMember(role, a.user)) return undefined;
    return { user: a.user, role: a.role, scope: ref.scope };
  }

  permission(name: string, target: SipLoopTarget): 'send' | 'recv' | 'none' {
    const identity = this.identityOf(name);
    if (!identity) return 'none';
    // Checked at call time and after every directory change; only loops of the identity's own scope.
    const loop = Object.values(identity.scope.data.loops).find((l) => loopKey(identity.scope, l.id) === target.key);
    if (!loop) return 'none';
    if (permittedCaller(loop, name, this.now())) return 'send';
    return loopPermission(loop, identity.role);
  }

  private configured(name: string): Identity | undefined {
    if (Object.hasOwn(this.config.accounts, name)) return this.config.accounts[name];
    if (Object.hasOwn(this.config.callers, name)) return this.config.callers[name];
    return undefined;
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
