// The CLI as one ES module graph in dist/cli/: Node resolves and links ~400 files (kysely, qiniu, urllib, ours) in
// ~90 ms at every start; bundled, a `status` of a small bucket takes ~160 ms instead of ~250 ms. The worker threads'
// entry points are bundled beside it under fixed names, where the code that starts them looks (`compiledWorker`).
// better-sqlite3 stays external: it loads a native addon.
import { defineConfig } from 'rolldown';

export default defineConfig([{
  input: {
    qjournal: 'dist/src/bin.js',
    'walk-worker': 'dist/src/local/walk-worker.js',
    'entry-pages-worker': 'dist/src/journal/entry-pages-worker.js',
  },
  platform: 'node',
  external: ['better-sqlite3'],
  // urllib (under qiniu) requires the optional `proxy-agent` only when a proxy is configured, inside a try: leaving it
  // unresolved is intended, so it is not reported. Every other warning still is.
  onLog(level, log, handler) {
    if (log.code === 'UNRESOLVED_IMPORT' && /'proxy-agent'/.test(log.message)) return;
    handler(level, log);
  },
  output: { dir: 'dist/cli', format: 'esm', entryFileNames: '[name].js', chunkFileNames: 'chunk-[hash].js', sourcemap: true },
},
// The dashboard's page (src/ui/web, type-checked by tsconfig.web.json): one browser module with preact, served from
// dist/ui/ by `qjournal ui`; nothing is fetched from the internet at run time.
{
  input: { app: 'src/ui/web/app.ts' },
  platform: 'browser',
  output: { dir: 'dist/ui', format: 'esm', entryFileNames: '[name].js', minify: true },
}]);
