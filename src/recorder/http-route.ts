// GET /audio/<id>.opus?u=…&exp=…&sig=… — one talk spurt as Ogg Opus, seekable (single byte
// ranges), for the openvocs player and browsers. The signed link is the authorization (links.ts);
// every successful fetch is a playback in the audit log. A sealed file is served as its decrypted
// Ogg Opus stream (ranges over the plaintext).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { LinkSigner } from './links.js';
import { mixRoute } from './mix-route.js';
import { readRecording, SealedRecordingError } from './recording-file.js';
import type { RecordingRepository } from './repository.js';
import type { RecordingRights } from './rights.js';
import type { RecordingKeys } from './sealed/keys.js';

export interface RouteDeps {
  links: LinkSigner;
  repo: RecordingRepository;
  rights: RecordingRights;
  dir: string;
  keys: RecordingKeys;
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` within size; undefined = whole file; null = unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | null {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return null;
  return { start, end };
}

function fail(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', 'cache-control': 'no-store' });
  res.end(`${text}\n`);
}

export function recordingRoute(deps: RouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const mixes = mixRoute(deps);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(res, 405, 'method not allowed');
    if (mixes(req, res)) return;
    const grant = deps.links.verify(new URL(req.url ?? '/', 'https://x'));
    if (!grant) return fail(res, 403, 'invalid or expired recording link');
    const talk = deps.repo.talk(grant.talkId);
    if (!talk) return fail(res, 404, 'no such recording (purged or erased)');
    // A spurt is at most 10 min (about 2.5 MB): read whole, so sealed and plain files serve alike.
    readRecording(join(deps.dir, talk.file), deps.keys, talk.open).then(
      (audio) => serve(req, res, audio, () => void deps.rights.auditPlayback(grant.user, talk, 'fetched')),
      (err: unknown) => {
        if (err instanceof SealedRecordingError) fail(res, 500, 'recording cannot be opened (key not configured, wrong key or tampered file)');
        else fail(res, 404, 'recording file missing');
      },
    );
  };
}

function serve(req: IncomingMessage, res: ServerResponse, audio: Buffer, audit: () => void): void {
  const size = audio.length;
  const range = parseRange(req.headers.range, size);
  if (range === null) {
    res.writeHead(416, { 'content-range': `bytes */${size}` });
    res.end();
    return;
  }
  const headers = { 'content-type': 'audio/ogg; codecs=opus', 'accept-ranges': 'bytes', 'cache-control': 'private, no-store' };
  if (range) res.writeHead(206, { ...headers, 'content-length': range.end - range.start + 1, 'content-range': `bytes ${range.start}-${range.end}/${size}` });
  else res.writeHead(200, { ...headers, 'content-length': size });
  if (req.method === 'HEAD') return void res.end();
  // Audited once per fetch of the start of the file (a seek is not a new playback).
  if (!range || range.start === 0) audit();
  res.end(range ? audio.subarray(range.start, range.end + 1) : audio);
}
