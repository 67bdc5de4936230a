import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyInstance } from 'fastify'

/** Where `npm run build:web` writes the pages (dashboards/vite.config.ts). */
export const DEFAULT_WEB_DIR = resolve(import.meta.dirname, '../../dashboards/dist')

/** Page URL → the built HTML file that answers it. */
export const pages: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/carer': 'carer/index.html',
  '/supervision': 'supervision/index.html',
  '/login': 'login/index.html',
  '/admin': 'admin/index.html',
}

const HINT = `<!doctype html><meta charset="utf-8"><title>care gateway</title>
<p>The web pages are not built yet. <code>npm start</code> builds them when Vite is installed (the dev
dependencies); or run <code>npm run build:web</code> and restart the gateway.</p>
<p>页面尚未构建：安装开发依赖后 <code>npm start</code> 会自动构建；也可运行 <code>npm run build:web</code> 后重启网关。</p>
<p>The API is at <a href="/docs">/docs</a>.</p>`

/**
 * Serves the board, the carer page, supervision, the admin console and login from the Vite
 * build. Without a build the page URLs answer a short hint instead, so a
 * gateway started from a bare checkout still runs (never a crash).
 */
export async function webRoutes(app: FastifyInstance, dir = DEFAULT_WEB_DIR): Promise<void> {
  const built = existsSync(join(dir, 'index.html'))
  for (const [url, file] of Object.entries(pages)) {
    app.get(url, async (_request, reply) => {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache')
      if (!built) return reply.send(HINT)
      return reply.send(await readFile(join(dir, file)).catch(() => Buffer.from(HINT)))
    })
  }
  if (!built) return
  // browsers ask for /favicon.ico by themselves: the carer page's icon answers for every page
  app.get('/favicon.ico', async (_request, reply) =>
    reply
      .type('image/svg+xml')
      .header('cache-control', 'public, max-age=86400')
      .send(await readFile(join(dir, 'carer-icon.svg'))),
  )
  // hashed assets, the manifest and the service worker; files only, no directory listing
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: false,
    decorateReply: false,
    allowedPath: (path) => !path.endsWith('.html'),
  })
}
