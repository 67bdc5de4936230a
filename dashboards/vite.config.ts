import { resolve } from 'node:path'
import { defineConfig } from 'vite'

const here = import.meta.dirname

/** Five pages, one build: the gateway serves dist/ (gateway/api/web.ts). */
export default defineConfig({
  root: here,
  base: '/',
  publicDir: resolve(here, 'public'),
  build: {
    outDir: resolve(here, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      input: {
        board: resolve(here, 'index.html'),
        carer: resolve(here, 'carer/index.html'),
        supervision: resolve(here, 'supervision/index.html'),
        login: resolve(here, 'login/index.html'),
        admin: resolve(here, 'admin/index.html'),
      },
    },
  },
})
