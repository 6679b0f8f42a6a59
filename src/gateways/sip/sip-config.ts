// The `sip` configuration block (docs/telephony.md). Absent: no gateway.
import { z } from 'zod';
import { idSchema } from '../../directory/schema.js';

const ipv4 = z.string().regex(/^(\d{1,3})(\.\d{1,3}){3}$/, 'must be an IPv4 address (it is announced in SDP)');

export const sipConfigSchema = z.strictObject({
  /** Address for SIP and RTP; it is also what the SDP and Contact announce, so never 0.0.0.0. */
  host: ipv4.refine((a) => a !== '0.0.0.0', 'must be a concrete address, not 0.0.0.0').default('127.0.0.1'),
  /** UDP port for SIP (0 picks one). */
  port: z.number().int().min(0).max(65535).default(5060),
  /** Digest realm shown to phones. */
  realm: z.string().min(1).max(128).default('loopcast'),
  /** Simultaneous calls; beyond, 486 Busy Here. */
  maxCalls: z.number().int().positive().max(1000).default(50),
  /** A call without RTP from the phone for this long is hung up. */
  mediaTimeoutMs: z.number().int().min(1000).default(60_000),
  /** The PBX or trunk that outgoing calls (`call`) go to; without it the gateway only answers. */
  outbound: z.strictObject({ host: ipv4, port: z.number().int().min(1).max(65535).default(5060) }).optional(),
  /** An outgoing call ringing longer than this is cancelled. */
  ringTimeoutMs: z.number().int().min(1000).max(600_000).default(60_000),
  /** Digest accounts of phones and trunks: each acts as a Loopcast user in one of its roles. */
  accounts: z
    .record(
      z.string().regex(/^[A-Za-z0-9._~+-]{1,64}$/, 'SIP user names are letters, digits and ._~+-'),
      z.strictObject({
        password: z.string().min(8, 'at least 8 characters'),
        user: idSchema,
        role: idSchema,
        /** voice: voice-operated; dtmf: `*` talks, `#` stops. */
        talk: z.enum(['voice', 'dtmf']).default('voice'),
      }),
    )
    .default({}),
});

export type SipConfig = z.infer<typeof sipConfigSchema>;
