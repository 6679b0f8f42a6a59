// One clock for every process of the load generator: performance.now() counts from each process's own
// start, process.hrtime is CLOCK_MONOTONIC, the same in all processes of the machine. Times that cross
// processes (burst onsets, window starts, latency samples) travel as "monotonic ms".
const OFFSET_MS = Number(process.hrtime.bigint()) / 1e6 - performance.now();

/** performance.now() of this process → monotonic ms. */
export const toMono = (perfMs: number): number => perfMs + OFFSET_MS;

/** Monotonic ms → performance.now() of this process. */
export const fromMono = (monoMs: number): number => monoMs - OFFSET_MS;
