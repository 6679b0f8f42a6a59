// The media chain's one contract (src/media/chain): stages take one input and return outputs, loss and
// end of spurt travel as values, and hot-path stages reuse their output array (no allocation per packet).
import { describe, expect, it } from 'vitest';
import { NONE, pipe, type Processor } from '../../src/media/chain/index.js';
import { DownlinkPacketizer, mediaTimestamp, type EncodedFrame } from '../../src/media/downlink/index.js';
import { Talker } from '../../src/media/mixer/talker.js';
import type { FrameDecoder } from '../../src/media/mixer/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';

const loud = (value: number) => new Int16Array(FRAME_SAMPLES).fill(value);

/** Decoder double: payload byte 0 is the sample value; a payload starting with 0xff is corrupt. */
function testDecoder(): FrameDecoder {
  return {
    decode: (frame) => {
      if (frame[0] === 0xff) throw new Error('corrupt');
      return loud((frame[0] ?? 0) * 100);
    },
    conceal: () => loud(7),
    close: () => undefined,
  };
}

describe('pipe', () => {
  it('feeds every output of the first stage to the second, in order, into one reused array', () => {
    const twice: Processor<number, number> = { processInput: (n) => (n < 0 ? NONE : [n, n]) };
    const label: Processor<number, string> = { processInput: (n) => [`#${n}`] };
    const chain = pipe(twice, label);
    const first = chain.processInput(3);
    expect([...first]).toEqual(['#3', '#3']);
    expect(chain.processInput(-1)).toHaveLength(0);
    expect(chain.processInput(4)).toBe(first);
    expect([...first]).toEqual(['#4', '#4']);
  });
});

describe('packetize stage', () => {
  it('emits exactly one packet per frame: contiguous sequence numbers, marker on a spurt start', () => {
    const p = new DownlinkPacketizer({ ssrc: 5, initialSequence: 65535, timestampOffset: 0 });
    const frame: EncodedFrame = { payload: Buffer.from([1]), mediaTs: 0 };
    const seen: Array<{ seq: number; ts: number; marker: boolean }> = [];
    let array: readonly unknown[] | undefined;
    for (const k of [0, 1, 2, 50]) {
      frame.mediaTs = mediaTimestamp(BigInt(k) * 20_000_000n);
      const out = p.processInput(frame);
      expect(out).toHaveLength(1);
      if (array) expect(out).toBe(array); // reused, not allocated per packet
      array = out;
      const pkt = out[0];
      if (pkt) seen.push({ seq: pkt.sequenceNumber, ts: pkt.timestamp, marker: pkt.marker });
    }
    expect(seen.map((s) => s.seq)).toEqual([65535, 0, 1, 2]);
    expect(seen.map((s) => s.ts)).toEqual([0, 960, 1920, 48000]);
    expect(seen.map((s) => s.marker)).toEqual([true, false, false, true]);
  });
});

describe('decode stage (Talker)', () => {
  const talker = () => new Talker(9, testDecoder, {}, { openDbfs: -70, closeFrames: 5 });

  it('decodes a frame, conceals a loss, yields nothing at the end of a spurt', () => {
    const t = talker();
    const frame = t.processInput({ kind: 'frame', payload: Buffer.from([3, 0, 0]) });
    expect(t.lastDecode).toBe('decode');
    expect(frame[0]?.[0]).toBe(300);
    const lost = t.processInput({ kind: 'conceal' });
    expect(lost).toBe(frame);
    expect(t.lastDecode).toBe('conceal');
    expect(lost[0]?.[0]).toBe(7);
    expect(t.processInput({ kind: 'silent' })).toHaveLength(0);
    expect(t.pcm).toBeUndefined();
  });

  it('conceals an undecodable packet instead of dropping the talker', () => {
    const t = talker();
    const out = t.processInput({ kind: 'frame', payload: Buffer.from([0xff, 1, 2]) });
    expect(t.lastDecode).toBe('error');
    expect(out[0]?.[0]).toBe(7);
    expect(t.pcm?.[0]).toBe(7);
  });

  it('reuses the frame the gate decoded when it opened the spurt (one decode per packet)', () => {
    let decodes = 0;
    const t = new Talker(9, () => {
      const d = testDecoder();
      return { ...d, decode: (f) => (decodes++, d.decode(f)) };
    }, {});
    const payload = Buffer.from([4, 0, 0]);
    expect(t.push('loop', { ssrc: 9, sequenceNumber: 1, timestamp: 0, payload }, 0, 0)).toBe('buffered');
    const played = t.playout.tick();
    expect(played.kind).toBe('frame');
    expect(t.processInput(played)[0]?.[0]).toBe(400);
    expect(decodes).toBe(1);
  });
});
