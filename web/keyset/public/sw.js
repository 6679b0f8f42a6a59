// Keyset service worker: caches the app shell only, so the keyset opens (and shows its reconnect
// state) while the server is unreachable. Network first: an operator always gets the current client.
// Never cached: the signaling API and config.json (backend list), and nothing but same-origin GETs.
const CACHE = 'loopcast-keyset-v1';
const SHELL = ['/', '/index.html', '/manifest.webmanifest', '/icon.svg'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api') || url.pathname.endsWith('/config.json') || url.pathname === '/sw.js') return;
  const shell = event.request.mode === 'navigate' || SHELL.includes(url.pathname) || url.pathname.startsWith('/assets/');
  if (!shell) return;
  event.respondWith(
    fetch(event.request)
      .then((res) => {
        if (res.ok) {
          const copy = res.clone();
          void caches.open(CACHE).then((c) => c.put(event.request, copy));
        }
        return res;
      })
      .catch(() => caches.match(event.request).then((hit) => hit ?? caches.match('/index.html')).then((hit) => hit ?? Response.error())),
  );
});
