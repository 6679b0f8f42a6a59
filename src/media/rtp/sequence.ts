// Modular arithmetic of RTP's 16-bit sequence numbers and 32-bit timestamps (RFC 3550 §5.1): the one
// place that knows the widths, for the server, the load tool and the tests. Inputs may be any integer
// (negative or past the width); results are always in range.

/** Number of distinct sequence numbers (2^16). */
export const SEQ_MOD = 0x1_0000;
/** Number of distinct timestamps (2^32). */
export const TS_MOD = 0x1_0000_0000;

/** `seq + n` modulo 2^16 (n may be negative). */
export function seqAdd(seq: number, n: number): number {
  return (seq + n) & 0xffff;
}

/** Distance from `from` forward to `to`, modulo 2^16: 0..65535 (65535 is "one behind"). */
export function seqForward(from: number, to: number): number {
  return (to - from) & 0xffff;
}

/** Signed distance from `from` to `to`: -32768..32767, positive when `to` is newer (half-range rule). */
export function seqDiff(from: number, to: number): number {
  return ((to - from) << 16) >> 16;
}

/** `ts + n` modulo 2^32 (n may be negative). */
export function tsAdd(ts: number, n: number): number {
  return (ts + n) >>> 0;
}

/** Distance from `from` forward to `to`, modulo 2^32: 0..2^32-1. */
export function tsForward(from: number, to: number): number {
  return (to - from) >>> 0;
}

/** Signed distance from `from` to `to`: -2^31..2^31-1, positive when `to` is later. */
export function tsDiff(from: number, to: number): number {
  return (to - from) | 0;
}

