// Voice activity of one loop as several media hosts see it (pure). Every host that mixes a loop runs
// its own VAD on it and reports its changes; signaling must not pass each host's on/off through (two
// hosts one frame apart would flap). The loop is on while any host says on; its talkers are the union.
import type { VoiceActivity } from '../control.js';

type Talker = VoiceActivity['talkers'][number];

export class VadCombiner {
  /** loop key → host id → that host's latest activity while on. */
  private readonly on = new Map<string, Map<string, VoiceActivity>>();

  /** A host's report; returns the loop's combined activity when it changed, else undefined. */
  report(host: string, activity: VoiceActivity): VoiceActivity | undefined {
    const key = activity.loop.key;
    const hosts = this.on.get(key) ?? new Map<string, VoiceActivity>();
    const before = this.combined(hosts);
    if (activity.on) hosts.set(host, activity);
    else hosts.delete(host);
    if (hosts.size > 0) this.on.set(key, hosts);
    else this.on.delete(key);
    const after = this.combined(hosts) ?? { ...activity, on: false, talkers: [] };
    return same(before, after) ? undefined : after;
  }

  /** A host is gone: the loops only it had on go off. */
  dropHost(host: string): VoiceActivity[] {
    const changes: VoiceActivity[] = [];
    for (const hosts of [...this.on.values()]) {
      const activity = hosts.get(host);
      if (!activity) continue;
      const change = this.report(host, { ...activity, on: false, talkers: [] });
      if (change) changes.push(change);
    }
    return changes;
  }

  private combined(hosts: Map<string, VoiceActivity>): VoiceActivity | undefined {
    let out: VoiceActivity | undefined;
    const seen = new Set<string>();
    const talkers: Talker[] = [];
    for (const activity of hosts.values()) {
      out ??= activity;
      for (const t of activity.talkers) {
        const id = `${t.user}\u0000${t.role}\u0000${t.client}`;
        if (seen.has(id)) continue;
        seen.add(id);
        talkers.push(t);
      }
    }
    return out && { loop: out.loop, on: true, talkers };
  }
}

function same(a: VoiceActivity | undefined, b: VoiceActivity): boolean {
  if (!a) return !b.on;
  if (a.on !== b.on || a.talkers.length !== b.talkers.length) return false;
  const names = new Set(a.talkers.map((t) => `${t.user}\u0000${t.role}\u0000${t.client}`));
  return b.talkers.every((t) => names.has(`${t.user}\u0000${t.role}\u0000${t.client}`));
}
