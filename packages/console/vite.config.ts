import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is served by the OpenBOS server under /console, from packages/console/dist.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The budget is checked by the browser test: at most 250 KB of initial JavaScript, gzipped.
    chunkSizeWarningLimit: 600,
  },
  server: { proxy: { '/v1': 'http://localhost:8080' } },
});
