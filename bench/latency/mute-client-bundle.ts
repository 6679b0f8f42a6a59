// The mute client (mute-client.ts) as one script for page.evaluate: bundled with esbuild at bench time.
import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';

export function muteClientScript(): string {
  const result = buildSync({
    entryPoints: [fileURLToPath(new URL('./page/mute-client.ts', import.meta.url))],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome120',
    write: false,
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('esbuild produced no output for the mute client');
  return file.text;
}
