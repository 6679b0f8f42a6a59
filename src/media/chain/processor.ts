// The one contract of every stage of the media chain (receive → playout → decode → mix → encode →
// packetize), as werift's processInput: one input in, zero or more outputs out, no I/O inside. Loss
// and end-of-stream are values in the data (a playout 'conceal' or 'silent'), never side channels.
//
// Stages on the hot path return an array they own and reuse (valid until their next call), so a
// chain costs no allocation per packet; NONE is the shared empty result.

export interface Processor<I, O> {
  processInput(input: I): readonly O[];
}

/** The empty output, shared by every stage that has nothing to emit. */
export const NONE: readonly never[] = Object.freeze([]);

/** `first` then `second` as one stage; its output array is reused between calls like any stage's. */
export function pipe<A, B, C>(first: Processor<A, B>, second: Processor<B, C>): Processor<A, C> {
  const out: C[] = [];
  return {
    processInput(input: A): readonly C[] {
      out.length = 0;
      for (const b of first.processInput(input)) for (const c of second.processInput(b)) out.push(c);
      return out;
    },
  };
}
