// From a WebSocket frame to a reply: size limit, JSON, envelope, rate limit, auth level, handler,
// error mapping. Requests of one socket run strictly in order (`ping` excepted: answered at once); sockets
// never wait for each other.
import { randomBytes, randomUUID } from 'node:crypto';
import { errorReply, isJsonObject, reply, type JsonObject, type Reply, type Request } from '../protocol/envelope.js';
import { requestEnvelope } from '../protocol/contract.js';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import type { AuditEntry } from '../directory/audit-log.js';
import { RESERVED_KEY_MESSAGE, reservedKeyPath } from '../protocol/reserved.js';
import { auditEntry } from './audit.js';
import { writeErrorReply } from './write-errors.js';
import type { Connection } from './connection.js';
import { structureProblem, type StructureLimits } from './frame-structure.js';
import { adminMonitorHandlers } from './handlers/admin-monitor.js';
import { adminHandlers } from './handlers/admin.js';
import { callPermissionHandlers } from './handlers/call-permissions.js';
import { ldapAdminHandlers } from './handlers/ldap-admin.js';
import { loopHandlers } from './handlers/loops.js';
import { mediaHandlers } from './handlers/media.js';
import { recorderHandlers } from './handlers/recorder.js';
import { sessionHandlers } from './handlers/session.js';
import { systemHandlers } from './handlers/system.js';
import { telephonyHandlers } from './handlers/telephony.js';
import { userDataHandlers } from './handlers/user-data.js';
import type { HandlerDef, HandlerTable, Services } from './services.js';

export const handlers: HandlerTable = {
  ...sessionHandlers,
  ...loopHandlers,
  ...mediaHandlers,
  ...userDataHandlers,
  ...systemHandlers,
  ...adminHandlers,
  ...adminMonitorHandlers,
  ...recorderHandlers,
  ...telephonyHandlers,
  ...callPermissionHandlers,
  ...ldapAdminHandlers,
};

export interface DispatchLimits extends StructureLimits {
  /** Larger text frames get error 1008 and are not parsed. */
  maxMessageBytes: number;
  /** Requests waiting behind a slow one; more get a temporary error. */
  maxQueued: number;
}

/** Error replies echo the request's parameter only up to this frame size: a refusal never amplifies. */
const ECHO_PARAMETER_BYTES = 4096;
/** Descriptions may name client-chosen fields and ids: never longer than this. */
const MAX_DESCRIPTION = 256;

const clip = (text: string): string => (text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION)}…` : text);

function boundedError(request: Request, error: ProtocolError, frameBytes: number): Reply {
  const echo = frameBytes > ECHO_PARAMETER_BYTES ? { ...request, parameter: {} } : request;
  const out = errorReply(echo, error);
  if (!out.error) return out;
  out.error.description = clip(out.error.description);
  if (out.error.field) out.error.field = out.error.field.map((part) => (typeof part === 'string' ? clip(part) : part));
  return out;
}


/** A reply to a frame we could not read as a request: echo what can be echoed. */
function unreadable(raw: unknown): Request {
  const obj = isJsonObject(raw) ? raw : {};
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length <= 128 ? v : undefined);
  const request: Request = { event: text(obj.event) ?? '', uuid: text(obj.uuid) ?? randomUUID(), parameter: {} };
  const client = text(obj.client);
  if (client !== undefined) request.client = client;
  return request;
}

function checkAuth(def: HandlerDef, conn: Connection): void {
  if (def.auth === 'none') return;
  if (!conn.login) throw ProtocolError.auth('not logged in');
  if (def.auth === 'role' && !conn.role) throw ProtocolError.auth('no role authorized');
}

export class Dispatcher {
  private readonly queues = new WeakMap<Connection, { tail: Promise<void>; length: number }>();

  constructor(
    private readonly services: Services,
    private readonly limits: DispatchLimits,
  ) {}

  /** Entry point for every frame of a socket. Never throws. */
  receive(conn: Connection, data: Buffer, isBinary: boolean): void {
    if (isBinary) return this.refuse(conn, undefined, 'binary frames are not supported; send JSON text');
    if (data.length > this.limits.maxMessageBytes) {
      return this.refuse(conn, undefined, `message too large (${data.length} bytes, limit ${this.limits.maxMessageBytes})`);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      return this.refuse(conn, undefined, 'malformed JSON');
    }
    // Before anything recursive touches the value (see frame-structure.ts).
    const problem = structureProblem(raw, this.limits);
    if (problem !== undefined) return this.refuse(conn, raw, `message structure: ${problem}`);
    // Schemas would drop a `__proto__` key silently (acknowledged, not applied): refuse it by name.
    const reserved = reservedKeyPath(raw);
    if (reserved !== undefined) return this.refuse(conn, raw, `key ${reserved.join('.')}: ${RESERVED_KEY_MESSAGE}`);
    const envelope = requestEnvelope.safeParse(raw);
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      const field = issue?.path.map(String).join('.') || '(envelope)';
      return this.refuse(conn, raw, `parameter ${field}: ${issue?.message ?? 'invalid'}`);
    }
    const request: Request = { ...envelope.data, parameter: envelope.data.parameter ?? {} };
    if (!conn.bucket.take(Date.now())) {
      conn.send(boundedError(request, new ProtocolError(ErrorCode.rateLimited), data.length));
      return;
    }
    this.enqueue(conn, request, data.length);
  }

  private refuse(conn: Connection, raw: unknown, description: string): void {
    conn.send(boundedError(unreadable(raw), new ProtocolError(ErrorCode.parameter, description), 0));
  }

  private enqueue(conn: Connection, request: Request, frameBytes: number): void {
    // `ping` is a liveness probe (the keyset fails over when it goes unanswered): answered at once, never
    // behind a slow request of this socket (a replicated write may wait seconds for a NATS leader).
    if (request.event === 'ping') {
      void this.handle(conn, request, frameBytes).then(
        (answer) => {
          if (!conn.closed) conn.send(answer);
        },
        (err: unknown) => conn.drop({ kind: 'internal', err }),
      );
      return;
    }
    const queue = this.queues.get(conn) ?? { tail: Promise.resolve(), length: 0 };
    this.queues.set(conn, queue);
    if (queue.length >= this.limits.maxQueued) {
      conn.send(boundedError(request, new ProtocolError(ErrorCode.overloaded), frameBytes));
      return;
    }
    queue.length++;
    queue.tail = queue.tail
      .then(async () => {
        if (!conn.closed) conn.send(await this.handle(conn, request, frameBytes));
      })
      // The tail must never reject: a rejected tail would stall this socket and, unhandled, end the process.
      .catch((err: unknown) => conn.drop({ kind: 'internal', err }))
      .finally(() => {
        queue.length--;
      });
  }

  private async appendAudit(entry: AuditEntry): Promise<void> {
    try {
      await this.services.audit.append(entry);
    } catch (err) {
      // The change is already durable; losing its record must not turn it into a reported failure.
      this.services.log.error({ err, entry }, 'audit log write failed');
    }
  }

  /** Unknown event names share one label: clients cannot grow the metric set. */
  private count(def: HandlerDef | undefined, request: Request, outcome: string): void {
    this.services.metrics.requests.inc({ event: def ? request.event : 'unknown', outcome });
  }

  private async handle(conn: Connection, request: Request, frameBytes: number): Promise<Reply> {
    const def = Object.hasOwn(handlers, request.event) ? handlers[request.event] : undefined;
    try {
      if (!def) throw ProtocolError.named('unknownEvent', `unknown event ${request.event}`);
      checkAuth(def, conn);
      const audit = auditEntry(this.services, conn, request);
      const response: JsonObject = await def.handle({ conn, request, services: this.services });
      // Written before the acknowledgement, like the change itself.
      if (audit) await this.appendAudit(audit);
      this.count(def, request, 'ok');
      return reply(request, response);
    } catch (err) {
      const ref = randomBytes(4).toString('hex');
      // A refused or unstored write of a store is a documented error (nothing was changed).
      const known = err instanceof ProtocolError ? err : writeErrorReply(err, ref);
      this.count(def, request, String(known?.code ?? ErrorCode.processing));
      if (known?.errorName === 'storageFailed') this.services.log.error({ err, ref, conn: conn.id, event: request.event }, 'write not stored');
      if (known) return boundedError(request, known, frameBytes);
      // Internal failure: log with a reference the operator can quote; the client sees no internals.
      this.services.log.error({ err, ref, conn: conn.id, event: request.event }, 'request failed');
      return boundedError(request, new ProtocolError(ErrorCode.processing, `server processing error (ref ${ref})`), frameBytes);
    }
  }
}
