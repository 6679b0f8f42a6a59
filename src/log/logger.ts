// The process logger: JSON lines on stdout (pino) with ISO timestamps and level names, so a log
// shipper can parse every line without knowing pino's numeric levels. Secrets never reach a line:
// the redaction list below censors them wherever a caller puts them by mistake.
import { pino, type DestinationStream, type Logger } from 'pino';

/** Keys that may carry passwords, session ids, hashes or SDP credentials, at the top or one level down. */
const SECRET_KEYS = ['password', 'session', 'hash', 'salt', 'sdp', 'ufrag', 'pwd'];
export const REDACTED_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`]);

export function loggerOptions(level: string): pino.LoggerOptions {
  return {
    level,
    base: { service: 'loopcast' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
}

/** Never log secrets: passwords, session ids, SDP credentials. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(level), destination) : pino(loggerOptions(level));
}
