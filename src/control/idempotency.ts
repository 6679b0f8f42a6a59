// A command retried because its answer was lost must not run twice: the serving side keeps the
// outcome of recent commands by idempotency key and answers a repeat with the same outcome.
// Bounded (oldest first out) so that a flood of distinct keys cannot grow memory.

export class IdempotencyCache {
  private readonly outcomes = new Map<string, Promise<unknown>>();

  constructor(private readonly maxEntries = 10_000) {}

  /** Runs `task` once per key; a repeat (also while the first still runs) gets the first outcome. */
  run(key: string, task: () => Promise<unknown>): Promise<unknown> {
    const known = this.outcomes.get(key);
    if (known) return known;
    const outcome = Promise.resolve().then(task);
    this.outcomes.set(key, outcome);
    if (this.outcomes.size > this.maxEntries) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
    // A rejected outcome is kept too (the command was refused; a retry must see the same refusal),
    // but must not count as an unhandled rejection here.
    outcome.catch(() => undefined);
    return outcome;
  }
}
