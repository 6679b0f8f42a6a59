// The `recorder` section of the configuration (docs/recording.md).
import { z } from 'zod';
import { parseKey } from './sealed/keys.js';

/** Checked here so a bad key is a configuration error at start (the message never shows the value). */
const key = z.string().refine((v) => {
  try {
    parseKey(v, 'key');
    return true;
  } catch {
    return false;
  }
}, 'must be 32 bytes as 64 hex digits or base64');

export const recorderConfigSchema = z
  .strictObject({
    /** Off: nothing is recorded and the recorder events answer "not available". */
    enabled: z.boolean().default(true),
    /** Files and recorder.db; default `<dataDir>/recordings`. */
    dir: z.string().min(1).optional(),
    /** Retention of projects without their own setting (recording_settings), in days. */
    retentionDays: z.number().positive().max(36_500).default(30),
    /** Pending packets reach the file at least this often: what a kill can lose. */
    flushMs: z.number().int().min(20).max(1000).default(500),
    /** fdatasync period: what a power cut can lose. */
    syncMs: z.number().int().min(100).max(60_000).default(1000),
    /** After a write failure, recording resumes once this much space is free. */
    minFreeMb: z.number().int().min(0).default(64),
    /**
     * 32 bytes (64 hex digits or base64): new spurt files are sealed with AES-256-GCM. Better from
     * the environment (LOOPCAST_RECORDER_KEY) than from a file. Never logged.
     */
    encryptionKey: key.optional(),
    /** Earlier keys, only to open the files they sealed (after a rotation). */
    oldEncryptionKeys: z.array(key).max(32).default([]),
  })
  .prefault({});

export type RecorderConfig = z.infer<typeof recorderConfigSchema>;
