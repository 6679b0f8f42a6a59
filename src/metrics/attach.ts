// Wires the process-level metrics to their sources: signaling state (sessions, loops), directory
// writes, and voice activity from the media plane. Called once per server by src/app.ts.
import { loopKeyParts } from '../directory/loop-key.js';
import type { Logger } from 'pino';
import type { Directory } from '../directory/directory.js';
import type { VoiceActivity } from '../media/control.js';
import { observeDirectoryWrites } from './directory-writes.js';
import type { Metrics } from './registry.js';
import { registerSignalingCollectors, type SessionView } from './signaling-collectors.js';

export interface MetricSources {
  log: Logger;
  directory: Directory;
  sockets: () => Iterable<SessionView>;
  onVoiceActivity(listener: (activity: VoiceActivity) => void): void;
}

/** Every loop of the directory with its scope id. */
function* directoryLoops(directory: Directory): Iterable<{ project: string; loop: string }> {
  for (const domain of directory.allDomains()) {
    for (const scope of [domain, ...directory.projectsOf(domain.id)]) {
      for (const loop of Object.keys(scope.data.loops)) yield { project: scope.id, loop };
    }
  }
}


/** Returns the function that detaches what cannot be unregistered with the registry. */
export function attachMetrics(metrics: Metrics, sources: MetricSources): () => void {
  // One registry can only hold each metric once (tests may hand one Metrics to several servers).
  if (!metrics.registry.getSingleMetric('loopcast_sessions')) {
    registerSignalingCollectors(metrics, sources.sockets, () => directoryLoops(sources.directory));
  }
  const stopWrites = observeDirectoryWrites(metrics, sources.log);
  sources.onVoiceActivity(({ loop, on }) => {
    const { scopeId: project, loopId } = loopKeyParts(loop.key);
    const labels = metrics.loopLabels(project, loopId);
    metrics.voiceActive.set(labels, on ? 1 : 0);
    if (on) metrics.voiceClock.start(loop.key, labels);
    else metrics.voiceClock.stop(loop.key);
  });
  return stopWrites;
}
