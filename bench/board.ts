import fastifyWebsocket from '@fastify/websocket'
import Fastify from 'fastify'
import { chromium } from 'playwright-core'
import { webRoutes } from '../gateway/api/web.ts'
import { ensureWebBuild } from '../tests/web/support/build.ts'
import { between, pick, seededRandom } from './lib/prng.ts'

/**
 * The dispatch board in Chromium under load: 500 open alarms and
 * 2,000 carers, then 100 live updates a second (mostly carers moving, some
 * alarms changing state). The page is the real build served by the
 * gateway's own web plugin; the live stream is a stand-in that speaks the
 * /api/v1/live protocol, so the figures are the browser's alone. Measures
 * the time to first render (the page's `board:first-render` mark, from
 * navigation start) and the frame budget while updating (intervals between
 * requestAnimationFrame callbacks, taken in the page). Prints one JSON line.
 */

const ALARMS = 500
const CARERS = 2_000
const RATE = Number(process.env.BENCH_RATE ?? 100)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const CENTRE = { lat: 37.38, lon: 117.97 }
const NOW = Date.now()
const random = seededRandom(4)
const near = () => ({
  lat: CENTRE.lat + between(random, -0.09, 0.09),
  lon: CENTRE.lon + between(random, -0.11, 0.11),
})
const kinds = ['sos', 'fall', 'fence_exit', 'inactivity', 'vitals', 'device_offline', 'low_battery'] as const
const states = ['open', 'offered', 'accepted', 'arrived'] as const

const alarms = Array.from({ length: ALARMS }, (_, i) => ({
  id: `A${String(i).padStart(4, '0')}`,
  kind: pick(random, kinds),
  priority: 1 + Math.floor(random() * 4),
  state: pick(random, states),
  escalated: random() < 0.05,
  elderId: `E${i}`,
  raisedAt: NOW - Math.floor(random() * 3_600_000),
  round: 1,
  ...near(),
}))
const carers = Array.from({ length: CARERS }, (_, i) => ({
  id: `C${String(i).padStart(4, '0')}`,
  name: `护理员${i}`,
  duty: random() < 0.8 ? 'on' : 'off',
  busy: random() < 0.2,
  mode: pick(random, ['walk', 'bike', 'ebike', 'car'] as const),
  position: { ...near(), at: NOW },
}))

ensureWebBuild()
const app = Fastify()
await app.register(fastifyWebsocket)
await webRoutes(app)
let seq = 0
app.get('/api/v1/elders/:id', async (_req, reply) =>
  reply.code(404).send({ error: { code: 'ELDER_NOT_FOUND', message: 'bench' } }),
)
app.get('/api/v1/live', { websocket: true }, (socket) => {
  socket.send(JSON.stringify({ type: 'snapshot', seq, alarms, carers }))
  let next = 0
  const timer = setInterval(() => {
    // 10 updates every 100 ms = 100 a second: 9 in 10 a carer's fix, 1 in 10 an alarm's state
    for (let k = 0; k < RATE / 10; k++) {
      seq++
      next++
      if (next % 10 === 0) {
        const a = alarms[Math.floor(random() * alarms.length)] ?? alarms[0]
        if (!a) continue
        a.state = pick(random, states)
        socket.send(
          JSON.stringify({
            seq,
            at: Date.now(),
            type: 'alarm',
            grid: [],
            alarm: a,
            entry: { seq, type: 'note', at: Date.now() },
          }),
        )
      } else {
        const c = carers[Math.floor(random() * carers.length)] ?? carers[0]
        if (!c) continue
        c.position = {
          lat: c.position.lat + between(random, -3e-4, 3e-4),
          lon: c.position.lon + between(random, -3e-4, 3e-4),
          at: Date.now(),
        }
        socket.send(JSON.stringify({ seq, at: Date.now(), type: 'carer', carer: c }))
      }
    }
  }, 100)
  socket.on('close', () => clearInterval(timer))
})
await app.listen({ host: '127.0.0.1', port: 0 })
const address = app.server.address()
const port = typeof address === 'object' && address ? address.port : 0

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
})
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, locale: 'zh-CN' })
  // in-page code is given as text: this file compiles with the Node libraries, without the DOM's
  await context.addInitScript(`
    localStorage.setItem('care.session', ${JSON.stringify(JSON.stringify({ token: 'bench', role: 'dispatcher', username: 'bench', expiresAt: 0 }))})
    localStorage.setItem('care.muted', '1')
    window.benchFrames = []
    const loop = (t) => { window.benchFrames.push(t); requestAnimationFrame(loop) }
    requestAnimationFrame(loop)
  `)
  const page = await context.newPage()
  // BENCH_REDUCED=1 measures with the page's animations off (prefers-reduced-motion), to tell paint from script
  if (process.env.BENCH_REDUCED === '1') await page.emulateMedia({ reducedMotion: 'reduce' })
  await page.goto(`http://127.0.0.1:${port}/`)
  await page.waitForFunction("performance.getEntriesByName('board:first-render').length > 0", undefined, {
    timeout: 30_000,
  })
  const firstRenderMs = await page.evaluate<number>(
    "performance.getEntriesByName('board:first-render')[0].startTime",
  )
  const rows = await page.locator('tr.alarm-row').count()
  // settle, then measure only the updating period
  await page.waitForTimeout(1000)
  await page.evaluate("window.benchFrames.length = 0; performance.clearMeasures('board:render')")
  const seqBefore = seq
  await page.waitForTimeout(SECONDS * 1000)
  const frames = await page.evaluate<number[]>('[...window.benchFrames]')
  const renders = await page.evaluate<number[]>(
    "performance.getEntriesByName('board:render').map((e) => e.duration).sort((a, b) => a - b)",
  )
  const updates = seq - seqBefore
  const gaps = frames
    .slice(1)
    .map((t, i) => t - (frames[i] ?? t))
    .sort((a, b) => a - b)
  const at = (p: number) =>
    Math.round((gaps[Math.min(gaps.length - 1, Math.ceil((p / 100) * gaps.length) - 1)] ?? 0) * 10) / 10
  const over = (ms: number) =>
    Math.round((gaps.filter((g) => g > ms).length / Math.max(1, gaps.length)) * 1000) / 10
  process.stdout.write(
    `${JSON.stringify({
      bench: 'board',
      alarms: ALARMS,
      carers: CARERS,
      updatesPerS: Math.round(updates / SECONDS),
      seconds: SECONDS,
      queueRows: rows,
      firstRenderMs: Math.round(firstRenderMs),
      frames: gaps.length,
      fps: Math.round((gaps.length / SECONDS) * 10) / 10,
      frameP50Ms: at(50),
      frameP95Ms: at(95),
      frameP99Ms: at(99),
      frameMaxMs: at(100),
      framesOver16_7MsPct: over(16.7),
      framesOver50MsPct: over(50),
      renderScriptP50Ms: Math.round((renders[Math.floor(renders.length / 2)] ?? 0) * 10) / 10,
      renderScriptP95Ms: Math.round((renders[Math.floor(renders.length * 0.95)] ?? 0) * 10) / 10,
    })}\n`,
  )
} finally {
  await browser.close()
  await app.close()
}
