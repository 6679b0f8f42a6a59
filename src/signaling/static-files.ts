// Static web clients (built by Vite) served with sirv: immutable caching for hashed assets, index.html
// fallback so client-side routes work.
import type { IncomingMessage, ServerResponse } from 'node:http';
import sirv from 'sirv';

export class StaticFiles {
  private readonly handler: ReturnType<typeof sirv>;

  constructor(root: string) {
    this.handler = sirv(root, { single: true, etag: true, immutable: true, dotfiles: false });
  }

  serve(_path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((resolve) => {
      this.handler(req, res, () => {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
        resolve();
      });
      res.once('finish', () => resolve());
      res.once('close', () => resolve());
    });
  }
}
