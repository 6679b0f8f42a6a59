// Building the recorder for one Loopcast process from configuration (used by src/app.ts): the recorder
// on the media plane's loop bus, rights, links, the /audio/ route and the directory watch.
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LoopcastConfig } from '../config/config.js';
import type { AuditLog } from '../directory/audit-log.js';
import type { Directory } from '../directory/directory.js';
import type { MediaControl } from '../media/control.js';
import { InProcessLoopBus, type LoopBus } from '../media/loopbus/index.js';
import { MediaPlane } from '../media/plane/media-plane.js';
import { isTalkerSource } from '../media/talkers.js';
import { recordingRoute } from './http-route.js';
import { LinkSigner, RECORDINGS_PREFIX } from './links.js';
import { planeReplaySink } from './plane-replay.js';
import { Recorder } from './recorder.js';
import { RecordingRights } from './rights.js';
import { recordingKeys } from './sealed/keys.js';
import { RecordingService } from './service.js';
import { TalkerNames, type TalkerEntries } from './talker-names.js';

export interface RunningRecording {
  service: RecordingService;
  route: { prefix: string; handle: ReturnType<typeof recordingRoute> };
  close(): void;
}

export interface RecordingDeps {
  directory: Directory;
  audit: AuditLog;
  media: MediaControl;
  /** The loop bus to record when `media` is not a local plane (signaling driving media hosts). */
  bus?: LoopBus;
  /** The control plane's talker table (deployed): names talkers whose sessions other processes own. */
  talkers?: TalkerEntries;
  log: Logger;
  registry?: Registry;
  now?: () => number;
}

export function startRecording(config: LoopcastConfig, deps: RecordingDeps): RunningRecording | undefined {
  const cfg = config.recorder;
  if (!cfg.enabled) return undefined;
  const now = deps.now ?? Date.now;
  const dir = resolve(cfg.dir ?? join(config.dataDir, 'recordings'));
  const plane = deps.media instanceof MediaPlane ? deps.media : undefined;
  // Without a local media plane nothing is heard here, but history, retention and erasure still work.
  const bus = plane?.bus ?? deps.bus ?? new InProcessLoopBus();
  const keys = recordingKeys(cfg.encryptionKey, cfg.oldEncryptionKeys);
  // Own sessions (a local plane, or the sessions this process drives on media hosts), then the shared table.
  const local = isTalkerSource(deps.media) ? deps.media : undefined;
  const names = new TalkerNames({ local: (ssrc) => local?.clientOfSsrc(ssrc), shared: deps.talkers, log: deps.log, registry: deps.registry });
  const recorder = Recorder.open({
    dir, bus, keys, log: deps.log, now, flushMs: cfg.flushMs, syncMs: cfg.syncMs, minFreeBytes: cfg.minFreeMb * 1024 * 1024,
    identify: (ssrc) => names.identify(ssrc),
    ...(deps.registry ? { registry: deps.registry } : {}),
  });
  // A spurt that started before its talker was known is named when the talker becomes known.
  const stopNaming = [names.onNamed((ssrc, who) => recorder.named(ssrc, who)), local?.onTalker((c) => c.present && recorder.named(c.ssrc, c.client))];
  const scopeOwner = (scope: string) => {
    const [kind, id = ''] = [scope.slice(0, scope.indexOf('/')), scope.slice(scope.indexOf('/') + 1)];
    if (kind === 'project') return { domain: deps.directory.project(id)?.domainId ?? null, project: id };
    return { domain: id, project: null };
  };
  const rights = new RecordingRights({ repo: recorder.repo, dir, audit: deps.audit, log: deps.log, now, defaultRetentionDays: cfg.retentionDays, scopeOwner, keys });
  const links = new LinkSigner(now);
  const service = new RecordingService({ recorder, rights, links, directory: deps.directory, log: deps.log, now, ...(plane ? { replay: planeReplaySink(plane) } : {}) });
  const onChange = () => service.refresh();
  deps.directory.on('changed', onChange);
  deps.directory.on('removed', onChange);
  // The key's id (a hash), never the key.
  deps.log.info({ dir, loops: recorder.recordedLoopKeys().length, sealedWithKeyId: keys.current?.id.toString('hex') ?? null }, 'recorder started');
  return {
    service,
    route: { prefix: RECORDINGS_PREFIX, handle: recordingRoute({ links, repo: recorder.repo, rights, dir, keys }) },
    close() {
      for (const stop of stopNaming) stop?.();
      deps.directory.off('changed', onChange);
      deps.directory.off('removed', onChange);
      service.close();
    },
  };
}
