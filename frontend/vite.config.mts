// The web app's build (Vite). `npm start` builds it and serves frontend/dist locally
// (infra/local/web-server.ts); a deploy uploads the same files to S3 (infra/deploy/publish-web.ts).
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
