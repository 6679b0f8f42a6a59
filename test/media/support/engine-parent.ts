// A parent for the orphan test: starts one mixer engine child process, prints its pid and waits
// (to be SIGKILLed by the test). Run with node --import tsx.
import { WorkerMixerEngine } from '../../../src/media/mixer/worker/worker-engine.js';

const engine = new WorkerMixerEngine({}, { isolation: 'process' });
await engine.ready;
console.log(`engine pid ${engine.pid}`);
setInterval(() => engine.tick(performance.now()), 20);
