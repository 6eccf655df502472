import { fileURLToPath, URL } from 'node:url';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The blank window of the start-up benchmark (tests/blank-window): a
// one-line Svelte page, bundled as the app's page is, into that crate's
// dist/ (which its tauri.conf.json embeds).
export default defineConfig({
  root: fileURLToPath(new URL('./blank', import.meta.url)),
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: 'safari15',
    outDir: fileURLToPath(new URL('../tests/blank-window/dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
});
