// Scenario files (bench/scenarios/*.json): who connects, what they monitor, who talks and how,
// for how long. The layout is generated from a few numbers so that the same file drives any
// backend that has the matching users/role/loops (see docs/benchmarks.md, "Against another server").
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const talkPattern = z.strictObject({
  burstMs: z.number().int().min(20).default(200),
  pauseMs: z.number().int().min(0).default(300),
  dbfs: z.number().max(0).default(-16),
});

export const scenarioSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  /** Operators connected (for `stress`: the most that will be tried). */
  operators: z.number().int().positive(),
  /** Loops `<loopPrefix>0..n-1`; the role may talk on all of them. */
  loops: z.number().int().positive(),
  /** Each operator i monitors the loops i, i+1, … (mod loops): overlapping windows, several mixes. */
  monitorPerOperator: z.number().int().min(0),
  /** Talkers at a time; talker slot t talks on loop ⌊t·loops/talkers⌋ with its own tone. */
  talkers: z.number().int().min(0),
  talk: talkPattern.prefault({}),
  /** Hand each talk slot to the next operator every N s (switches loops mid-run); 0 = never. */
  rotateSeconds: z.number().min(0).default(0),
  /**
   * What operators send while not talking: 'nothing', or 'dtx' = what a muted Chromium keyset with Opus
   * DTX sends (a comfort-noise and a DTX packet every ~400 ms; testkit/muted-uplink.ts).
   */
  idleUplink: z.enum(['nothing', 'dtx']).default('nothing'),
  /**
   * Operators keep their first monitored loop in `send` (armed, push-to-talk up) instead of `recv`:
   * their muted uplink then must reach the server's uplink gate (a talk spurt may start any moment).
   */
  idleArmed: z.boolean().default(false),
  /** Seconds between connecting everybody and measuring (talk starts, mixes settle). */
  warmupSeconds: z.number().min(0).default(2),
  /** Measurement window. */
  durationSeconds: z.number().positive(),
  /**
   * Load-generator processes: 1 runs every operator in the bench's process; more start shard processes
   * (shard 0 holds the talkers, the others share the listeners), so that no single event loop's lag is in
   * every send and arrival time (bench/lib/sharded-fleet.ts).
   */
  generatorShards: z.number().int().min(1).max(16).default(1),
  /** Operators setting up at the same time (login → media_ready). */
  connectConcurrency: z.number().int().positive().default(8),
  /** Ramp: start with `start` operators, add `step` every `stepSeconds` until the limits break. */
  stress: z
    .strictObject({
      start: z.number().int().positive(),
      step: z.number().int().positive(),
      stepSeconds: z.number().positive(),
      maxLossPercent: z.number().positive().default(1),
      maxP99Ms: z.number().positive().default(60),
    })
    .optional(),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

export function parseScenario(input: unknown): Scenario {
  return scenarioSchema.parse(input);
}

/** A built-in name (bench/scenarios/<name>.json) or a path to a JSON file. */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const path = nameOrPath.endsWith('.json') ? nameOrPath : new URL(`../scenarios/${nameOrPath}.json`, import.meta.url);
  return parseScenario(JSON.parse(await readFile(path, 'utf8')));
}

/** Loop indexes operator `i` monitors. */
export function monitoredLoops(s: Scenario, i: number): number[] {
  const n = Math.min(s.monitorPerOperator, s.loops);
  return Array.from({ length: n }, (_, k) => (i + k) % s.loops);
}

/** The loop index talker slot `t` talks on. */
export function slotLoop(s: Scenario, t: number): number {
  return Math.floor((t * s.loops) / Math.max(1, s.talkers));
}

/** The operator index holding talker slot `t` in rotation round `round` (slots spread evenly). */
export function slotOperator(s: Scenario, operators: number, t: number, round: number): number {
  const spacing = Math.max(1, Math.floor(operators / Math.max(1, s.talkers)));
  return (t * spacing + (round % spacing)) % operators;
}

/**
 * Who should hear whom when nobody rotates: listener index → talker slots, from the layout alone.
 * Tests compare this with what the listeners actually heard.
 */
export function expectedHearing(s: Scenario, operators = s.operators): Map<number, Set<number>> {
  const out = new Map<number, Set<number>>();
  for (let i = 0; i < operators; i++) {
    const loops = new Set(monitoredLoops(s, i));
    const heard = new Set<number>();
    for (let t = 0; t < Math.min(s.talkers, operators); t++) {
      if (slotOperator(s, operators, t, 0) !== i && loops.has(slotLoop(s, t))) heard.add(t);
    }
    out.set(i, heard);
  }
  return out;
}
