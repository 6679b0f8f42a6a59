// What every handler may use. Built once per server by src/app.ts.
import type { Logger } from 'pino';
import type { LdapLogin } from '../auth/ldap/ldap-login.js';
import type { SipGateway } from '../gateways/sip/sip-gateway.js';
import type { AuditLog } from '../directory/audit-log.js';
import type { Directory } from '../directory/directory.js';
import type { SessionStore } from '../directory/session-store.js';
import type { StateStore } from '../directory/state-store.js';
import type { MediaControl } from '../media/control.js';
import type { HealthChecks } from '../health/health-checks.js';
import type { Metrics } from '../metrics/registry.js';
import type { RecordingService } from '../recorder/service.js';
import type { JsonObject, Request } from '../protocol/envelope.js';
import type { Connection } from './connection.js';
import type { Hub } from './hub.js';
import type { LoginThrottle } from './login-throttle.js';

export interface Services {
  directory: Directory;
  audit: AuditLog;
  state: StateStore;
  sessions: SessionStore;
  hub: Hub;
  media: MediaControl;
  throttle: LoginThrottle;
  /** Per-user caps (config `limits`, docs/operations.md). */
  limits: { maxSocketsPerUser: number; maxStoredSessionsPerUser: number };
  log: Logger;
  metrics: Metrics;
  /** The recorder (src/recorder); absent when recording is off. */
  recording?: RecordingService;
  /** Readiness probes behind /health (src/health); absent: /health only says the process answers. */
  health?: HealthChecks;
  /** Set when `ldap` is configured (docs/ldap.md). */
  ldap?: LdapLogin;
  /** Set when `sip` is configured (docs/telephony.md). */
  telephony?: SipGateway;
}

export interface HandlerContext {
  conn: Connection;
  request: Request;
  services: Services;
}

/** none: anyone; login: after login; role: after login and authorize. Admin rights are checked by the handler per target. */
export type AuthLevel = 'none' | 'login' | 'role';

export interface HandlerDef {
  auth: AuthLevel;
  handle(ctx: HandlerContext): Promise<JsonObject> | JsonObject;
}

export type HandlerTable = Record<string, HandlerDef>;
