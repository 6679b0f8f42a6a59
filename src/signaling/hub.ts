// Broadcast groups (docs/openvocs-protocol.md §6): user (all sockets of a user), loop (sockets subscribed to a loop
// via role_loops or by joining it; they stay subscribed after leaving) and system (registered sockets).
import type { Push } from '../protocol/envelope.js';
import type { Connection } from './connection.js';

// Loop ids are unique only inside a scope (tenant isolation): groups are keyed by scope and loop.
export { loopKey, type LoopKey } from '../directory/loop-key.js';

function addTo<K>(map: Map<K, Set<Connection>>, key: K, conn: Connection): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(conn);
}

function removeFrom<K>(map: Map<K, Set<Connection>>, key: K, conn: Connection): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(conn);
  if (set.size === 0) map.delete(key);
}

export interface Participant {
  client: string;
  user: string;
  role: string;
}

export class Hub {
  readonly connections = new Set<Connection>();
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly subscribers = new Map<string, Set<Connection>>();
  /** Sockets with the loop in recv or send, in join order. */
  private readonly members = new Map<string, Set<Connection>>();
  private readonly subscriptions = new Map<Connection, Set<string>>();

  add(conn: Connection): void {
    this.connections.add(conn);
  }

  addUser(conn: Connection, user: string): void {
    addTo(this.byUser, user, conn);
  }

  socketsOfUser(user: string): Connection[] {
    return [...(this.byUser.get(user) ?? [])];
  }

  subscribe(conn: Connection, key: string): void {
    addTo(this.subscribers, key, conn);
    let keys = this.subscriptions.get(conn);
    if (!keys) this.subscriptions.set(conn, (keys = new Set()));
    keys.add(key);
  }

  setMember(conn: Connection, key: string, member: boolean): void {
    if (member) {
      addTo(this.members, key, conn);
      this.subscribe(conn, key);
    } else {
      removeFrom(this.members, key, conn);
    }
  }

  participants(key: string): Participant[] {
    return [...(this.members.get(key) ?? [])].map((c) => ({ client: c.clientId, user: c.login?.user ?? '', role: c.role ?? '' }));
  }

  /** Drop every group membership of a closing socket. */
  remove(conn: Connection): void {
    this.connections.delete(conn);
    if (conn.login) removeFrom(this.byUser, conn.login.user, conn);
    for (const key of this.subscriptions.get(conn) ?? []) {
      removeFrom(this.subscribers, key, conn);
      removeFrom(this.members, key, conn);
    }
    this.subscriptions.delete(conn);
  }

  /** A socket that logs out or changes nothing else keeps its connection but leaves all groups. */
  unsubscribeAll(conn: Connection): void {
    for (const key of this.subscriptions.get(conn) ?? []) {
      removeFrom(this.subscribers, key, conn);
      removeFrom(this.members, key, conn);
    }
    this.subscriptions.delete(conn);
  }

  toUser(user: string, message: Push): void {
    for (const conn of this.byUser.get(user) ?? []) conn.send(message);
  }

  toLoop(key: string, message: Push): void {
    for (const conn of this.subscribers.get(key) ?? []) conn.send(message);
  }

  toSystem(message: Push, accept: (conn: Connection) => boolean): void {
    for (const conn of this.connections) if (conn.registered && accept(conn)) conn.send(message);
  }
}
