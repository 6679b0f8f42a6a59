// Connecting to the NATS cluster of the control LAN: always authenticated (user/password), TLS when
// a CA is given, reconnecting forever to any node of the cluster (a node may die; the others carry on).
import { readFile } from 'node:fs/promises';
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';

export interface NatsSettings {
  /** e.g. ["nats://10.0.0.1:4222", "nats://10.0.0.2:4222"] — several nodes of one cluster. */
  servers: string[];
  user: string;
  password: string;
  /** PEM CA that signed the servers' certificates: TLS is then required. */
  tlsCaFile?: string;
  /** Shown in the server's monitoring (which service this connection is). */
  name?: string;
}

export async function connectNats(settings: NatsSettings): Promise<NatsConnection> {
  if (settings.servers.length === 0) throw new Error('control.nats.servers: at least one server is needed');
  if (!settings.user || !settings.password) throw new Error('control.nats: user and password are required (the control channel is authenticated)');
  const options: ConnectionOptions = {
    servers: settings.servers,
    user: settings.user,
    pass: settings.password,
    reconnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    // A dead node is noticed by the ping within ~2 s even when its socket stays half-open.
    pingInterval: 1000,
    maxPingOut: 2,
    timeout: 2000,
    ...(settings.name ? { name: settings.name } : {}),
  };
  if (settings.tlsCaFile) options.tls = { ca: await readFile(settings.tlsCaFile, 'utf8') };
  return connect(options);
}
