// Pure logic of the history page: the timeline's lanes and ticks, the span the mix player plays, and the
// UTC time fields. All times are UTC, as the recordings table stores them (docs/recording.md).
import type { ResponseOf } from '../../../../src/protocol/client/index.js';

export type Talk = ResponseOf<'recording_search'>['talks'][number];

export interface Bar {
  talk: Talk;
  /** Percent of the range. */
  left: number;
  width: number;
}

export interface Lane {
  loop: string;
  bars: Bar[];
}

export interface Tick {
  at: number;
  left: number;
  label: string;
}

/** A bar stays visible and clickable however short its talk is. */
const MIN_WIDTH = 0.4;
const STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);

/** One lane per chosen loop (in the chosen order), each talk a bar clipped to [fromMs, toMs]. */
export function lanes(talks: readonly Talk[], loops: readonly string[], fromMs: number, toMs: number): Lane[] {
  const span = toMs - fromMs;
  return loops.map((loop) => ({
    loop,
    bars: talks
      .filter((t) => t.loop === loop && t.end > fromMs && t.start < toMs && span > 0)
      .sort((a, b) => a.start - b.start)
      .map((talk) => {
        const start = Math.max(talk.start, fromMs);
        const end = Math.min(talk.end, toMs);
        const left = ((start - fromMs) / span) * 100;
        return { talk, left, width: Math.min(100 - left, Math.max(MIN_WIDTH, ((end - start) / span) * 100)) };
      }),
  }));
}

/** Round time marks, at most `max` of them. */
export function ticks(fromMs: number, toMs: number, max = 8): Tick[] {
  const span = toMs - fromMs;
  if (span <= 0) return [];
  const step = STEPS_MS.find((s) => Math.floor(span / s) + 1 <= max) ?? Math.ceil(span / Math.max(1, max - 1) / 86_400_000) * 86_400_000;
  const out: Tick[] = [];
  for (let at = Math.ceil(fromMs / step) * step; at <= toMs; at += step) {
    out.push({ at, left: ((at - fromMs) / span) * 100, label: clock(at, step < 60_000) });
  }
  return out;
}

/** What the player mixes: from the first talk to the last one inside the range, with a little lead-in and tail. */
export function playSpan(talks: readonly Talk[], fromMs: number, toMs: number, padMs = 1000): { from: number; to: number } | undefined {
  const inside = talks.filter((t) => t.end > fromMs && t.start < toMs);
  if (inside.length === 0) return undefined;
  const from = Math.max(fromMs, Math.min(...inside.map((t) => t.start)) - padMs);
  const to = Math.min(toMs, Math.max(...inside.map((t) => t.end)) + padMs);
  return { from: Math.floor(from), to: Math.ceil(to) };
}

/** `HH:MM` or `HH:MM:SS`, UTC. */
export function clock(ms: number, seconds = true): string {
  return new Date(ms).toISOString().slice(11, seconds ? 19 : 16);
}

/** `2026-11-30 06:33:29`, UTC. */
export function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

export function duration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The value of a `datetime-local` field that shows `ms` as UTC (to the second). */
export function toUtcField(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** A `datetime-local` value read as UTC; undefined when it is not a complete time. */
export function fromUtcField(value: string): number | undefined {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{1,3})?)?$/.test(value)) return undefined;
  const ms = Date.parse(`${value}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

/** A stable colour per user, so one voice reads the same across lanes. */
export function userHue(user: string): number {
  let h = 0;
  for (let i = 0; i < user.length; i++) h = (h * 31 + user.charCodeAt(i)) >>> 0;
  return h % 360;
}

/** The epoch ms a position (0..1) of the timeline stands for. */
export function timeAt(fraction: number, fromMs: number, toMs: number): number {
  return fromMs + Math.min(1, Math.max(0, fraction)) * (toMs - fromMs);
}
