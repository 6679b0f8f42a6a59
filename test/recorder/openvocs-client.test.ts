// The unmodified openvocs web client's recorder extension lists and plays a Loopcast recording
// (test/recorder/openvocs-client.ts). Needs an openvocs checkout: runs only with OPENVOCS_ROOT set to
// one, so it is skipped in CI; `npm run bench -- openvocs-recorder --openvocs <checkout>` runs the same.
import { describe, expect, it } from 'vitest';
import { keysetBuilt } from '../keyset/harness.js';
import { checkOpenvocsRecorder } from './openvocs-client.js';

const root = process.env.OPENVOCS_ROOT;

describe.skipIf(!root || !keysetBuilt())('the openvocs web client recorder extension against Loopcast', () => {
  it('lists the recorded loop, finds the talk and plays it to the end; the played bytes are the 440 Hz talk', async () => {
    const result = await checkOpenvocsRecorder({ openvocsRoot: root!, talkMs: 2000, frequency: 440 });
    expect(result.pageErrors).toEqual([]);
    expect(result.loops.find((l) => l.id === 'loop1')?.active).toBe(true);
    expect(result.loops.filter((l) => l.active).map((l) => l.id)).toEqual(['loop1']);
    expect(result.sent.map((m) => m.event)).toContain('get_recorded_loops');
    expect(result.rows).toHaveLength(1);
    expect(result.rows[0]?.loop).toBe('loop1');
    expect(String(result.rows[0]?.uri)).toMatch(/^\d+\.opus\?u=admin&exp=\d+&sig=/);
    expect(result.players).toBe(1);
    expect(result.playback.error).toBeUndefined();
    expect(result.playback.ended).toBe(true);
    expect(result.playback.duration).toBeGreaterThan(1.5);
    expect(result.playback.duration).toBeLessThan(3);
    expect(result.decoded.frequency).toBeGreaterThan(430);
    expect(result.decoded.frequency).toBeLessThan(450);
  }, 120_000);
});
