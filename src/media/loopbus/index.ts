export type { LoopAddress, LoopBus, LoopHandle, LoopHandleEvents } from './loop-bus.js';
export { InProcessLoopBus } from './in-process-loop-bus.js';
export { InProcessLoopHandle } from './in-process-loop-handle.js';
export { MulticastLoopBus } from './multicast-loop-bus.js';
export type { MulticastLoopBusEvents, MulticastLoopBusOptions } from './multicast-loop-bus.js';
export { MulticastLoopHandle } from './multicast-loop-handle.js';
export { LoopAddressAllocator, DEFAULT_MULTICAST_RANGE } from './address-allocator.js';
export type { MulticastRange } from './address-allocator.js';
