// Another web client's static files on their own loopback origin (plain HTTP: 127.0.0.1 is a secure
// context), for checking Loopcast against pages it does not serve: the unmodified openvocs web client
// (whose inline scripts Loopcast's own Content-Security-Policy would block) or a one-file test page.
// `overrides` answer single paths with generated text (a deployment's config file), everything else
// comes from `root` unchanged.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';

export interface ForeignWeb {
  /** `http://127.0.0.1:<port>`: what Loopcast's allowedOrigins must list. */
  origin: string;
  /** Sets or replaces the generated answer for one path (e.g. "/config_vocs.js"). */
  override(path: string, contentType: string, body: () => string): void;
  close(): Promise<void>;
}

export async function serveForeignWeb(root: string | undefined): Promise<ForeignWeb> {
  const files = root ? sirv(root, { dev: true, dotfiles: false }) : undefined;
  const overrides = new Map<string, { contentType: string; body: () => string }>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const generated = overrides.get(path);
    if (generated) {
      res.writeHead(200, { 'content-type': generated.contentType, 'cache-control': 'no-store' });
      res.end(generated.body());
      return;
    }
    const notFound = (): void => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    };
    if (files) files(req, res, notFound);
    else notFound();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    override(path, contentType, body) {
      overrides.set(path, { contentType, body });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
