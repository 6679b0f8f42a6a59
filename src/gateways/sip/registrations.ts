// The gateway's outbound registrations: each REGISTERs at its registrar over UDP (from the gateway's own
// SIP socket, so the registrar's requests reach the gateway at the Contact) or TCP (a connection of its
// own, reopened for the next attempt when it drops). State changes are logged, never the password.
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { Registration, type RegistrationState } from './registration.js';
import type { RegistrationSettings } from './registration-messages.js';
import { header, serializeSip, type SipRequest, type SipResponse } from './sip-message.js';
import { SipStreamReader } from './sip-transport.js';

export interface RegistrationsOptions {
  local: { host: string; port: number };
  /** Sends a datagram from the gateway's UDP socket. */
  sendUdp(data: Buffer, host: string, port: number): void;
  log: Logger;
  /** Transaction timeout and retry backoff (tests shorten them). */
  timeoutMs?: number;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface RegistrationStatus {
  index: number;
  registrar: string;
  user: string;
  state: RegistrationState['kind'];
  /** Registered: the seconds the registrar granted. Failing: why, and when the next attempt comes. */
  expires?: number;
  reason?: string;
  retryInMs?: number;
}

const timers = {
  set: (fn: () => void, ms: number): unknown => setTimeout(fn, ms).unref(),
  clear: (handle: unknown): void => clearTimeout(handle as NodeJS.Timeout | undefined),
};

export class Registrations {
  private readonly entries: Array<{ registration: Registration; tcp?: TcpLink }> = [];

  constructor(list: RegistrationSettings[], private readonly options: RegistrationsOptions) {
    list.forEach((settings, index) => {
      const log = options.log.child({ registration: index, registrar: `${settings.registrar.host}:${settings.registrar.port}`, user: settings.user });
      const tcp = settings.transport === 'tcp' ? new TcpLink(settings.registrar, (r) => registration.receive(r), (reason) => registration.networkError(reason)) : undefined;
      const registration: Registration = new Registration(settings, {
        local: options.local,
        send: (request) => (tcp ? tcp.send(request) : options.sendUdp(serializeSip(request), settings.registrar.host, settings.registrar.port)),
        onState: (state) => logState(log, state),
        timers,
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.retryMinMs !== undefined ? { retryMinMs: options.retryMinMs } : {}),
        ...(options.retryMaxMs !== undefined ? { retryMaxMs: options.retryMaxMs } : {}),
      });
      this.entries.push({ registration, ...(tcp ? { tcp } : {}) });
    });
  }

  start(): void {
    for (const { registration } of this.entries) {
      this.options.log.info({ registrar: `${registration.settings.registrar.host}:${registration.settings.registrar.port}`, user: registration.settings.user }, 'SIP registering');
      registration.start();
    }
  }

  /** A UDP response from `address`: ours if the Call-ID is one of ours and it came from that registrar. */
  receive(response: SipResponse, address: string): boolean {
    const callId = header(response, 'call-id');
    const entry = this.entries.find((e) => e.registration.callId === callId);
    if (!entry || entry.tcp) return entry !== undefined;
    if (address === entry.registration.settings.registrar.host) entry.registration.receive(response);
    return true;
  }

  status(): RegistrationStatus[] {
    return this.entries.map(({ registration }, index) => {
      const s = registration.settings;
      const state = registration.state;
      return { index, registrar: `${s.registrar.host}:${s.registrar.port}`, user: s.user, state: state.kind, ...(state.kind === 'registered' ? { expires: state.expires } : {}), ...(state.kind === 'failing' ? { reason: state.reason, retryInMs: state.retryInMs } : {}) };
    });
  }

  /** Unregisters all at once, waiting at most `deadlineMs`. */
  async stop(deadlineMs = 2000): Promise<void> {
    await Promise.all(this.entries.map((e) => e.registration.stop(deadlineMs)));
    for (const e of this.entries) e.tcp?.close();
  }
}

function logState(log: Logger, state: RegistrationState): void {
  if (state.kind === 'registered') log.info({ expires: state.expires }, 'SIP registered');
  else if (state.kind === 'failing') log.warn({ reason: state.reason, retryInMs: state.retryInMs }, 'SIP registration failing');
  else if (state.kind === 'stopped') log.info('SIP registration stopped');
}

/** One TCP connection to a registrar, opened on first use and again after it closed. */
class TcpLink {
  private socket: Socket | undefined;

  constructor(
    private readonly registrar: { host: string; port: number },
    private readonly onResponse: (response: SipResponse) => void,
    private readonly onError: (reason: string) => void,
  ) {}

  send(request: SipRequest): void {
    this.socket ??= this.open();
    this.socket.write(serializeSip(request));
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private open(): Socket {
    const socket = connect({ host: this.registrar.host, port: this.registrar.port });
    const reader = new SipStreamReader();
    const lost = (reason: string): void => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      socket.destroy();
      this.onError(reason);
    };
    socket.setTimeout(300_000, () => lost('connection idle'));
    socket.on('error', (err) => lost(`connection failed: ${err.message}`));
    socket.on('close', () => lost('connection closed'));
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const m of reader.push(chunk)) if (m.kind === 'response') this.onResponse(m);
      } catch {
        lost('unreadable data from the registrar');
      }
    });
    return socket;
  }
}
