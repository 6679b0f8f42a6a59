// The `sip` configuration block (docs/telephony.md). Absent: no gateway.
import { z } from 'zod';
import { idSchema } from '../../directory/schema.js';

const ipv4 = z.string().regex(/^(\d{1,3})(\.\d{1,3}){3}$/, 'must be an IPv4 address (it is announced in SDP)');

const identity = {
  user: idSchema,
  role: idSchema,
  /** voice: voice-operated; dtmf: `*` talks, `#` stops. */
  talk: z.enum(['voice', 'dtmf']).default('voice'),
};

const sipUser = z.string().regex(/^[A-Za-z0-9._~+-]{1,64}$/, 'SIP user names are letters, digits and ._~+-');

/** An outbound registration at a PBX or registrar (RFC 3261 §10), so it routes numbers to the gateway. */
const registrationSchema = z.strictObject({
  /** `host:port` of the registrar (IPv4; port default 5060). */
  registrar: z
    .string()
    .regex(/^(\d{1,3})(\.\d{1,3}){3}(:\d{1,5})?$/, 'must be an IPv4 address with an optional :port')
    .transform((v) => {
      const [host = '', port] = v.split(':');
      return { host, port: port === undefined ? 5060 : Number(port) };
    })
    .refine((r) => r.port >= 1 && r.port <= 65535, 'the port must be 1–65535'),
  transport: z.enum(['udp', 'tcp']).default('udp'),
  /** The address of record `sip:<user>@<domain>`; domain defaults to the registrar's address. */
  user: sipUser,
  domain: z.string().regex(/^[A-Za-z0-9.-]{1,253}(:\d{1,5})?$/, 'a host name or address').optional(),
  /** Digest user name when it differs from `user`. */
  authUser: sipUser.optional(),
  password: z.string().min(1).max(256),
  /** Seconds asked for; the registrar may grant less. */
  expires: z.number().int().min(60).max(86_400).default(3600),
  /** The user part of the Contact (what the PBX sends calls to); default: `user`. */
  contactUser: sipUser.optional(),
});

export type SipRegistrationConfig = z.infer<typeof registrationSchema>;

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
      z.strictObject({ password: z.string().min(8, 'at least 8 characters'), ...identity }),
    )
    .default({}),
  /**
   * The caller-id allow-list: phones without digest credentials, known by the number they present
   * (From), that prove themselves with a PIN typed as RFC 4733 DTMF and ended by `#`.
   */
  callers: z
    .record(
      z.string().regex(/^[A-Za-z0-9+._~-]{1,64}$/, 'caller ids are digits, letters and +._~-'),
      z.strictObject({ pin: z.string().regex(/^[0-9]{4,12}$/, 'a PIN is 4 to 12 digits'), ...identity }),
    )
    .default({}),
  /** How long a caller has to type its PIN; wrong PINs per call before the gateway hangs up. */
  pinTimeoutMs: z.number().int().min(5000).max(120_000).default(30_000),
  pinAttempts: z.number().int().min(1).max(5).default(3),
  /** Registrations at PBXs/registrars, kept up while the gateway runs (docs/telephony.md). */
  registrations: z.array(registrationSchema).max(16).default([]),
}).refine((c) => !Object.keys(c.callers).some((id) => Object.hasOwn(c.accounts, id)), { message: 'a caller id must not also be an account name', path: ['callers'] });

export type SipConfig = z.infer<typeof sipConfigSchema>;
