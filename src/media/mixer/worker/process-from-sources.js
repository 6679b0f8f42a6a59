// Child process entry when running from TypeScript sources (tests, benchmarks): registers tsx, then
// loads the engine process. Built packages fork engine-process.js directly.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./engine-process.ts', import.meta.url).href);
