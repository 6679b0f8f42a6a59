export { MixerEngine } from './mixer-engine.js';
export type { ListenerConfig, MixerCounters, MixerOptions, MixOutput, MixTick, TalkerLevel } from './types.js';
export { volumeToGain, volumeToDb, UNITY_VOLUME } from './volume.js';
export { softLimit, KNEE } from './limiter.js';
export { EncoderPool } from './encoder-pool.js';
export type { AcquireResult, EncoderSlot } from './encoder-pool.js';
export { opusCodecs } from './codec.js';
export type { CodecFactory, FrameDecoder, FrameEncoder } from './codec.js';
