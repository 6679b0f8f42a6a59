// Request with retries: an attempt that gets no answer (timeout, nobody serving the subject yet) is
// tried again after a short pause with the same idempotency key; an answer, even a refusal, is final.
import { ControlTimeoutError } from './control-plane.js';

export class NoAnswer extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NoAnswer';
  }
}

export async function withRetries<T>(target: string, command: string, retries: number, attempt: () => Promise<T>, pauseMs = 50): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof NoAnswer)) throw err;
      if (i >= retries) throw new ControlTimeoutError(target, command, i + 1);
      await new Promise((resolve) => setTimeout(resolve, pauseMs * (i + 1)));
    }
  }
}
