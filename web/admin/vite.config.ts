// Admin console build: served by Loopcast at /admin (src/app.ts mounts web/admin/dist there).
import { defineConfig } from 'vite';

// The build runs from the repository root (`vite build --config web/admin/vite.config.ts`), so the
// root must be this folder, not the working directory.
const root = decodeURIComponent(new URL('.', import.meta.url).pathname);

export default defineConfig({
  root,
  base: '/admin/',
  // Preact through esbuild's automatic JSX runtime (@preact/preset-vite is not a dependency).
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: true },
});
