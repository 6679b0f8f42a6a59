// The `recorder` section of the configuration (docs/recording.md).
import { z } from 'zod';

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
  })
  .prefault({});

export type RecorderConfig = z.infer<typeof recorderConfigSchema>;
