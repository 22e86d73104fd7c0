// The web app's build (Vite), run by infra/web/build-web-app.ts: `npm start` builds into its data
// folder and serves that (infra/local/web-server.ts); a deploy builds into a temporary folder and
// uploads it to S3 (infra/deploy/publish-web.ts). `npm run build:web` writes frontend/dist.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  // Preact's JSX runtime; no React.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Hashed file names under assets/ are what lets them be cached for a year (infra/web/cache-control.ts).
    assetsDir: 'assets',
    sourcemap: true,
    target: 'es2022',
  },
});
