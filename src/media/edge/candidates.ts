// ICE candidate and SDP text helpers (pure; no I/O). libdatachannel emits candidates as
// "a=candidate:…" lines; browsers and the openvocs protocol use "candidate:…" strings.

export interface ParsedCandidate {
  foundation: string;
  component: number;
  transport: string;
  priority: number;
  address: string;
  port: number;
  type: string;
  /** Everything after "typ <type>" (raddr/rport, generation, …), unparsed. */
  extra: string[];
}

/** Strips an optional "a=" prefix and surrounding whitespace. */
export function normalizeCandidate(candidate: string): string {
  const trimmed = candidate.trim();
  return trimmed.startsWith('a=') ? trimmed.slice(2) : trimmed;
}

export function parseCandidate(candidate: string): ParsedCandidate | undefined {
  const text = normalizeCandidate(candidate);
  if (!text.startsWith('candidate:')) return undefined;
  const f = text.slice('candidate:'.length).split(/\s+/);
  const [foundation, component, transport, priority, address, port, typ, type] = f;
  if (foundation === undefined || address === undefined || typ !== 'typ' || type === undefined) return undefined;
  const portNum = Number(port);
  const prio = Number(priority);
  const comp = Number(component);
  if (!Number.isInteger(portNum) || portNum < 0 || portNum > 65535) return undefined;
  if (!Number.isFinite(prio) || !Number.isInteger(comp)) return undefined;
  return {
    foundation,
    component: comp,
    transport: transport ?? 'udp',
    priority: prio,
    address,
    port: portNum,
    type,
    extra: f.slice(8),
  };
}

export function formatCandidate(c: ParsedCandidate): string {
  const head = `candidate:${c.foundation} ${c.component} ${c.transport} ${c.priority} ${c.address} ${c.port} typ ${c.type}`;
  return c.extra.length > 0 ? `${head} ${c.extra.join(' ')}` : head;
}

/** mDNS host candidates ("<uuid>.local") cannot be resolved by the edge: drop them. */
export function isMdnsCandidate(candidate: string): boolean {
  const parsed = parseCandidate(candidate);
  return parsed !== undefined && parsed.address.toLowerCase().endsWith('.local');
}

/**
 * Replaces a gathered host candidate by one candidate per announced address (same port, because
 * the edge listens on one muxed port). Non-host candidates (srflx/relay) pass unchanged.
 * Priorities decrease in list order so the first announced address is preferred.
 */
export function announceCandidate(candidate: string, announced: readonly string[]): string[] {
  const parsed = parseCandidate(candidate);
  if (parsed === undefined) return [];
  if (announced.length === 0 || parsed.type !== 'host') return [formatCandidate(parsed)];
  return announced.map((address, i) =>
    formatCandidate({ ...parsed, foundation: `${parsed.foundation}a${i}`, address, priority: parsed.priority - i }),
  );
}

/**
 * Records a candidate's transport address in `seen`; false if it was there already. Announcing one
 * address for several gathered interfaces would otherwise repeat the same candidate.
 */
export function firstSighting(seen: Set<string>, candidate: string): boolean {
  const c = parseCandidate(candidate);
  if (c === undefined) return false;
  const key = `${c.transport.toLowerCase()} ${c.address} ${c.port} ${c.type}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
}

/** Reads one session- or media-level attribute value ("a=<name>:<value>") from an SDP. */
export function sdpAttribute(sdp: string, name: string): string | undefined {
  const prefix = `a=${name}:`;
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith(prefix)) return line.slice(prefix.length).trim();
  }
  return undefined;
}

/**
 * Rewrites the candidate lines of a complete local SDP (announced addresses; the m= port and c=
 * address follow the first candidate as RFC 8839 asks) and makes sure it ends the candidate list.
 */
export function rewriteSdpCandidates(sdp: string, announced: readonly string[]): string {
  const lines = sdp.split(/\r?\n/).filter((l) => l.length > 0);
  const out: string[] = [];
  const candidates: string[] = [];
  const seen = new Set<string>();
  for (const line of lines) {
    if (line.startsWith('a=candidate:')) {
      for (const c of announceCandidate(line, announced)) if (firstSighting(seen, c)) candidates.push(c);
    } else if (line !== 'a=end-of-candidates') {
      out.push(line);
    }
  }
  const first = candidates.map(parseCandidate).find((c) => c !== undefined);
  const result: string[] = [];
  for (const line of out) {
    if (first && line.startsWith('m=audio ')) {
      result.push(line.replace(/^m=audio \d+/, `m=audio ${first.port}`));
    } else if (first && line.startsWith('c=IN ')) {
      result.push(`c=IN ${first.address.includes(':') ? 'IP6' : 'IP4'} ${first.address}`);
    } else {
      result.push(line);
    }
  }
  result.push(...candidates.map((c) => `a=${c}`), 'a=end-of-candidates');
  return result.join('\r\n') + '\r\n';
}
