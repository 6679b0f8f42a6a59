// GET /audio/mix.(opus|wav)?loops=…&from=…&to=…&u=…&exp=…&sig=… — a signed history export: the talks of
// several loops in a range, mixed (mix-export.ts), seekable. The last mixes stay in memory so that a
// player's range requests (seeking) do not mix again; each new mix is an export in the audit log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseRange } from './http-route.js';
import type { LinkSigner, MixSpec } from './links.js';
import { MAX_MIX_MS, mixTalks, oggOpusBytes, wavBytes } from './mix-export.js';
import type { RecordingRepository } from './repository.js';
import type { RecordingRights } from './rights.js';
import type { RecordingKeys } from './sealed/keys.js';

export interface MixRouteDeps {
  links: LinkSigner;
  repo: RecordingRepository;
  rights: RecordingRights;
  dir: string;
  keys: RecordingKeys;
}

const KEEP = 2;
/** Talks one export may mix. */
const MAX_TALKS = 5000;

async function render(deps: MixRouteDeps, spec: MixSpec): Promise<Buffer> {
  const talks = deps.repo.search({ loops: spec.loops, fromMs: spec.fromMs, toMs: spec.toMs, limit: MAX_TALKS });
  const pcm = await mixTalks(deps.dir, deps.keys, talks, spec.fromMs, spec.toMs);
  if (spec.format === 'wav') return wavBytes(pcm);
  return oggOpusBytes(pcm, [`LOOPCAST_LOOPS=${spec.loops.join(',')}`, `LOOPCAST_FROM_MS=${spec.fromMs}`, `LOOPCAST_TO_MS=${spec.toMs}`]);
}

function send(req: IncomingMessage, res: ServerResponse, bytes: Buffer, type: string): void {
  const range = parseRange(req.headers.range, bytes.length);
  if (range === null) {
    res.writeHead(416, { 'content-range': `bytes */${bytes.length}` });
    res.end();
    return;
  }
  const headers = { 'content-type': type, 'accept-ranges': 'bytes', 'cache-control': 'private, no-store' };
  if (range) res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${bytes.length}` });
  else res.writeHead(200, { ...headers, 'content-length': bytes.length });
  res.end(req.method === 'HEAD' ? undefined : range ? bytes.subarray(range.start, range.end + 1) : bytes);
}

export function mixRoute(deps: MixRouteDeps): (req: IncomingMessage, res: ServerResponse) => boolean {
  const cache = new Map<string, Promise<Buffer>>();
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    if (!/^\/audio\/mix\.[a-z]+$/.test(url.pathname)) return false;
    const grant = deps.links.verifyMix(url);
    if (!grant) {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('invalid or expired export link\n');
      return true;
    }
    const { spec } = grant;
    if (spec.toMs <= spec.fromMs || spec.toMs - spec.fromMs > MAX_MIX_MS[spec.format]) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('range too long or empty\n');
      return true;
    }
    let bytes = cache.get(grant.sig);
    if (!bytes) {
      bytes = render(deps, spec);
      cache.set(grant.sig, bytes);
      while (cache.size > KEEP) cache.delete(cache.keys().next().value as string);
      const what = `${spec.loops.join(',')} ${new Date(spec.fromMs).toISOString()}..${new Date(spec.toMs).toISOString()} as ${spec.format}`;
      const scope = spec.loops[0]?.slice(0, spec.loops[0].lastIndexOf('/')) ?? '';
      void deps.rights.audit(grant.user, 'recording_export', scope, { type: 'loops', id: spec.loops.join(',') }, `exported the mix of ${what}`);
    }
    bytes.then(
      (b) => send(req, res, b, spec.format === 'wav' ? 'audio/wav' : 'audio/ogg; codecs=opus'),
      () => {
        cache.delete(grant.sig);
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('export failed (a recording could not be read or opened)\n');
      },
    );
    return true;
  };
}
