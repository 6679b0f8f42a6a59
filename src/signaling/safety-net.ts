// The last line of defence: an exception or rejection that escaped every handler (a bug, a native
// callback of node-datachannel, a timer) is logged with a reference and contained instead of ending
// the process, which would drop every operator of every mission at once. Each fault is a bug to fix:
// the log line says so. Per-socket faults are contained earlier (Connection.drop closes that socket).
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';

export function installSafetyNet(log: Logger): () => void {
  const contain = (kind: string) => (err: unknown) => {
    log.error({ err, ref: randomBytes(4).toString('hex'), kind }, 'contained a fault that escaped its handler (bug): the process keeps serving');
  };
  const onException = contain('uncaughtException');
  const onRejection = contain('unhandledRejection');
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
