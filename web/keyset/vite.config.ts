// Keyset build: served by Loopcast at / (src/app.ts mounts web/keyset/dist there).
import { defineConfig } from 'vite';

// The build runs from the repository root (`vite build --config web/keyset/vite.config.ts`), so the
// root must be this folder, not the working directory.
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: '/',
  // Preact through esbuild's automatic JSX runtime (@preact/preset-vite is not a dependency).
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // Two pages: the keyset (index.html) and the recordings history (history.html, docs/recording.md).
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: { input: { keyset: `${root}index.html`, history: `${root}history.html` } },
  },
});
