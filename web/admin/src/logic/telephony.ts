// A loop's telephony settings as the console edits them (docs/telephony.md): its number, the roles
// that may call out, and openvocs' time-bounded call permissions. Pure: parsing and time conversion.
import { loopSipSchema, sipPartySchema, type CallPermission, type LoopSip } from '../../../../src/protocol/sip-shapes.js';
import type { LoopRecord } from './model.js';

export type { CallPermission, LoopSip };

/** The loop's `sip` object (unknown keys kept); a malformed one reads as empty rather than breaking the page. */
export function loopSipOf(loop: LoopRecord | undefined): LoopSip {
  const parsed = loopSipSchema.safeParse(loop?.sip ?? {});
  return parsed.success ? parsed.data : {};
}

/** The `sip` object to store: number and call-out roles replaced, everything else (permissions) kept. */
export function withNumber(sip: LoopSip, number: string, callout: readonly string[]): LoopSip {
  const { number: _n, callout: _c, ...rest } = sip;
  return { ...rest, ...(number.trim() ? { number: number.trim() } : {}), ...(callout.length > 0 ? { callout: [...callout] } : {}) };
}

export function partyProblem(value: string): string | undefined {
  const parsed = sipPartySchema.safeParse(value.trim());
  return parsed.success ? undefined : (parsed.error.issues[0]?.message ?? 'invalid');
}

/** `<input type="datetime-local">` value (local time) → epoch seconds; '' → 0 (unbounded). */
export function epochOfLocal(value: string): number {
  if (!value) return 0;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : Number.NaN;
}

/** Epoch seconds → what the table shows; 0 → the open end. */
export function formatEpoch(seconds: number, open: string): string {
  if (seconds === 0) return open;
  const d = new Date(seconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function isActive(p: CallPermission, nowSeconds: number): boolean {
  return (p.valid_from === 0 || nowSeconds >= p.valid_from) && (p.valid_until === 0 || nowSeconds <= p.valid_until);
}
