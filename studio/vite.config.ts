// Vite build of the studio's front end: studio/ → studio/dist (served by src/studio/server.ts).
// Everything is bundled (uPlot included), so the page works offline; no CDN.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Module preload polyfill is an inline-free addition, but the app needs none: one entry chunk.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 1024,
  },
});
