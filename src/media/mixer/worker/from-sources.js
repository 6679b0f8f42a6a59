// Worker entry when running from TypeScript sources (tests, benchmarks): registers tsx in this
// thread, then loads the engine thread. Built packages start engine-thread.js directly.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./engine-thread.ts', import.meta.url).href);
