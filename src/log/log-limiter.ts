// Rate limit for repeated log lines, so a hostile client cannot flood the log (pino has no such
// feature). Each key (usually the message) may log `burst` lines per `windowMs`; later lines of
// that window are counted, and the next line that passes carries `suppressed: <count>`.
import type { Logger } from 'pino';

export interface LogLimiterOptions {
  burst?: number;
  windowMs?: number;
  /** Distinct keys tracked at once; beyond, the oldest key is forgotten (its count is lost). */
  maxKeys?: number;
  /** Milliseconds, monotonic; injected for tests. */
  now?: () => number;
}

interface KeyState {
  windowStart: number;
  logged: number;
  suppressed: number;
}

/** Pure decision: may a line with this key be written now, and how many were dropped before it. */
export class LogLimiter {
  private readonly burst: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly keys = new Map<string, KeyState>();

  constructor(opts: LogLimiterOptions = {}) {
    this.burst = opts.burst ?? 5;
    this.windowMs = opts.windowMs ?? 10_000;
    this.maxKeys = opts.maxKeys ?? 256;
    this.now = opts.now ?? (() => performance.now());
  }

  /** undefined: drop the line; a number: write it, noting that many suppressed lines before it. */
  admit(key: string): number | undefined {
    const now = this.now();
    let state = this.keys.get(key);
    if (!state) {
      if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value as string);
      state = { windowStart: now, logged: 0, suppressed: 0 };
      this.keys.set(key, state);
    }
    if (now - state.windowStart >= this.windowMs) {
      state.windowStart = now;
      state.logged = 0;
    }
    if (state.logged >= this.burst) {
      state.suppressed++;
      return undefined;
    }
    state.logged++;
    const suppressed = state.suppressed;
    state.suppressed = 0;
    return suppressed;
  }
}

export type LimitedLevel = 'debug' | 'info' | 'warn' | 'error';

/** A logger whose lines are limited per message: `limited.warn({ conn }, 'media answer refused')`. */
export class LimitedLog {
  private readonly limiter: LogLimiter;

  constructor(
    private readonly log: Logger,
    opts: LogLimiterOptions = {},
  ) {
    this.limiter = new LogLimiter(opts);
  }

  write(level: LimitedLevel, fields: Record<string, unknown>, msg: string): void {
    const suppressed = this.limiter.admit(`${level} ${msg}`);
    if (suppressed === undefined) return;
    this.log[level](suppressed > 0 ? { ...fields, suppressed } : fields, msg);
  }

  warn(fields: Record<string, unknown>, msg: string): void {
    this.write('warn', fields, msg);
  }

  info(fields: Record<string, unknown>, msg: string): void {
    this.write('info', fields, msg);
  }

  error(fields: Record<string, unknown>, msg: string): void {
    this.write('error', fields, msg);
  }
}

const perLogger = new WeakMap<Logger, LimitedLog>();

/** One shared limiter per process logger, so every caller counts against the same budget per message. */
export function limitedLog(log: Logger): LimitedLog {
  let limited = perLogger.get(log);
  if (!limited) perLogger.set(log, (limited = new LimitedLog(log)));
  return limited;
}
