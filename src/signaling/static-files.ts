// Static web clients (built by Vite) served with sirv under a path prefix: immutable caching for
// hashed assets, index.html fallback so client-side routes work.
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';

export interface WebMount {
  /** URL prefix, e.g. "/" or "/admin". */
  prefix: string;
  /** Folder with the built client. */
  root: string;
}

export class StaticFiles {
  private readonly mounts: Array<{ prefix: string; handler: ReturnType<typeof sirv> }>;

  constructor(mounts: readonly WebMount[]) {
    // Longest prefix first: /admin wins over /.
    this.mounts = [...mounts]
      .map((m) => ({ prefix: m.prefix.replace(/\/+$/, ''), handler: sirv(m.root, { single: true, etag: true, immutable: true, dotfiles: false }) }))
      .sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Serves the request if a mount matches; false when none does. */
  serve(path: string, req: IncomingMessage, res: ServerResponse): boolean {
    const mount = this.mounts.find((m) => m.prefix === '' || path === m.prefix || path.startsWith(`${m.prefix}/`));
    if (!mount) return false;
    if (mount.prefix !== '' && path === mount.prefix) {
      res.writeHead(301, { location: `${mount.prefix}/` });
      res.end();
      return true;
    }
    // sirv resolves against its root: strip the prefix from the URL it sees.
    if (mount.prefix !== '') req.url = (req.url ?? '/').slice(mount.prefix.length) || '/';
    mount.handler(req, res, () => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    });
    return true;
  }
}
