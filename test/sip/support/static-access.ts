// A fixed table of numbers and accounts for gateway tests (production asks the directory).
import type { LoopKey } from '../../../src/directory/loop-key.js';
import type { SipAccess, SipLoopTarget } from '../../../src/gateways/sip/sip-gateway.js';

export interface TestAccount {
  password: string;
  /** Loop keys the account may talk on; `*` = all; `listen` lists loops it may only hear. */
  loops: readonly string[] | '*';
  listen?: readonly string[];
  talk?: 'voice' | 'dtmf';
}

export function staticAccess(numbers: Record<string, string>, accounts: Record<string, TestAccount>): SipAccess {
  return {
    loopOf: (number) => (Object.hasOwn(numbers, number) ? { key: numbers[number] as LoopKey } : undefined),
    passwordOf: (account) => (Object.hasOwn(accounts, account) ? accounts[account]?.password : undefined),
    talkModeOf: (account) => (Object.hasOwn(accounts, account) ? accounts[account]?.talk : undefined) ?? 'voice',
    permission: (account, loop: SipLoopTarget) => {
      const a = Object.hasOwn(accounts, account) ? accounts[account] : undefined;
      if (!a) return 'none';
      if (a.loops === '*' || a.loops.includes(loop.key)) return 'send';
      return a.listen?.includes(loop.key) ? 'recv' : 'none';
    },
  };
}
