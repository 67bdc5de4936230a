import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { ensureWebBuild } from '../tests/web/support/build.ts'
import { between, seededRandom } from './lib/prng.ts'
import { startGateway } from './suite/gateway.ts'
import { procCpuMs } from './suite/servers.ts'

/**
 * The admin console's import, end to end: a gateway in its own process (bench/suite/gateway.ts), the
 * console page in Chromium, and two files imported through the page as an administrator would —
 * BENCH_IMPORT_ELDERS elders (20,000), then BENCH_IMPORT_DEVICES devices (5,000; one scrypt hash
 * each, slow on purpose). For each: the time to the preview, the time from "run" to the report, rows
 * a second, the gateway's CPU time, and its event-loop delay during the run, read from the gateway's
 * own metric (prom-client's `nodejs_eventloop_lag_*` at /api/v1/metrics, whose histogram restarts at
 * every scrape: one scrape before the run, one after). Its monitor samples every 10 ms and counts the
 * sampling interval in: an idle loop reads about 10 ms, which the quiet spell before the first file
 * shows as the baseline. The event-loop recorder (bench/lib/loop-probe.ts) is preloaded too: its
 * stalls of 20 ms or more, with their wall-clock times, give each phase's longest stall exactly.
 * Prints a small table and one JSON line. Not run in CI: it takes minutes.
 */

const ELDERS = Number(process.env.BENCH_IMPORT_ELDERS ?? 20_000)
const DEVICES = Number(process.env.BENCH_IMPORT_DEVICES ?? 5_000)
const QUIET_MS = Number(process.env.BENCH_QUIET_MS ?? 5_000)
/** Long enough for 5,000 devices on a busy two-core machine. */
const RUN_TIMEOUT_MS = 30 * 60_000
const random = seededRandom(7)

const header = '编号,姓名,电话,网格,纬度,经度,风险等级,紧急联系人'
function eldersCsv(count: number): string {
  const lines = [header]
  for (let i = 0; i < count; i++) {
    const lat = (37.38 + between(random, -0.09, 0.09)).toFixed(6)
    const lon = (117.97 + between(random, -0.11, 0.11)).toFixed(6)
    const risk = ['高', '中', '低', '基本安全'][i % 4]
    lines.push(
      `BE${i},老人${i},139${String(i).padStart(8, '0')},海丰街道/东关社区/G${i % 20},${lat},${lon},${risk},子女:13900000000`,
    )
  }
  return `${lines.join('\r\n')}\r\n`
}

function devicesCsv(count: number, elders: number): string {
  const lines = ['id,kind,elderId,secret']
  for (let i = 0; i < count; i++)
    lines.push(`86${String(i).padStart(13, '0')},watch,BE${i % elders},secret-bench-${i}`)
  return `${lines.join('\r\n')}\r\n`
}

interface Lag {
  p50Ms: number
  p99Ms: number
  maxMs: number
}

interface Phase {
  phase: string
  rows: number
  previewMs: number
  runMs: number
  rowsPerS: number
  created: number
  rejected: number
  gatewayCpuMs: number
  lag: Lag
  /** Wall-clock bounds of the run, to find the recorder's stalls in it. */
  from: number
  to: number
  longestStallMs?: number
  stallsOver20Ms?: number
}

const ms = (seconds: number | undefined) => Math.round((seconds ?? 0) * 10_000) / 10

// the gateway serves the build it finds when it starts
ensureWebBuild()
const probeFile = join(mkdtempSync(join(tmpdir(), 'care-bench-import-')), 'loop.json')
const gateway = await startGateway({
  env: { BENCH_LOOP_PROBE: probeFile },
  nodeArgs: ['--import', join(import.meta.dirname, 'lib', 'loop-probe.ts')],
})
const lag = async (): Promise<Lag> => {
  const m = await gateway.metrics()
  return {
    p50Ms: ms(m.get('nodejs_eventloop_lag_p50_seconds')),
    p99Ms: ms(m.get('nodejs_eventloop_lag_p99_seconds')),
    maxMs: ms(m.get('nodejs_eventloop_lag_max_seconds')),
  }
}
const stage = (page: Page) => page.locator('#import').getAttribute('data-stage')
const count = async (page: Page, key: string) =>
  Number(/\d+/.exec((await page.locator(`[data-count=${key}]`).textContent()) ?? '')?.[0] ?? Number.NaN)

async function importFile(
  page: Page,
  phase: string,
  type: string,
  name: string,
  csv: string,
): Promise<Phase> {
  await page.selectOption('#import-type', type)
  const rows = csv.trimEnd().split('\r\n').length - 1
  const t0 = performance.now()
  await page.setInputFiles('#import-file', { name, mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') })
  await page.waitForSelector('#import[data-stage=preview]', { timeout: 120_000 })
  const previewMs = performance.now() - t0
  await lag() // the scrape restarts the gateway's delay histogram: the run's window begins
  const cpu0 = await procCpuMs(gateway.child.pid)
  const from = Date.now()
  const t1 = performance.now()
  await page.click('#import-run')
  await page.waitForSelector('#import[data-stage=done], #import[data-stage=failed]', {
    timeout: RUN_TIMEOUT_MS,
  })
  const runMs = performance.now() - t1
  const to = Date.now()
  const during = await lag()
  const gatewayCpuMs = (await procCpuMs(gateway.child.pid)) - cpu0
  if ((await stage(page)) !== 'done')
    throw new Error(`${phase}: ${await page.locator('#import').textContent()}`)
  return {
    phase,
    rows,
    previewMs: Math.round(previewMs),
    runMs: Math.round(runMs),
    rowsPerS: Math.round((rows / runMs) * 1000),
    created: await count(page, 'created'),
    rejected: await count(page, 'rejected'),
    gatewayCpuMs,
    lag: during,
    from,
    to,
  }
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
})
const results: Phase[] = []
let quiet: Lag = { p50Ms: 0, p99Ms: 0, maxMs: 0 }
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN' })
  // the administrator's token, as the login page keeps it (in-page code as text: no DOM types here)
  const session = JSON.stringify({ token: gateway.token, role: 'admin', username: 'admin' })
  await context.addInitScript(`sessionStorage.setItem('care.session', ${JSON.stringify(session)})`)
  const page = await context.newPage()
  await page.goto(`${gateway.child.httpUrl}/admin#/import`)
  await page.waitForSelector('#import[data-stage=empty]')
  await lag()
  await page.waitForTimeout(QUIET_MS)
  quiet = await lag()
  results.push(await importFile(page, 'elders', 'elders', 'elders.csv', eldersCsv(ELDERS)))
  results.push(await importFile(page, 'devices', 'devices', 'devices.csv', devicesCsv(DEVICES, ELDERS)))
} finally {
  await browser.close()
  await gateway.child.stop()
}
// the recorder wrote its stalls at the gateway's exit: each phase's are those within its run
const stalls = (JSON.parse(readFileSync(probeFile, 'utf8')) as { stalls: { at: number; ms: number }[] })
  .stalls
for (const r of results) {
  const mine = stalls.filter((s) => s.at >= r.from && s.at <= r.to)
  r.longestStallMs = Math.max(0, ...mine.map((s) => s.ms))
  r.stallsOver20Ms = mine.length
}

const table = [
  [
    'phase',
    'rows',
    'preview',
    'run (wall)',
    'rows/s',
    'created',
    'rejected',
    'gateway CPU',
    'loop p50',
    'loop p99',
    'loop max',
    'longest stall',
  ],
  [
    'quiet',
    '—',
    '—',
    `${QUIET_MS / 1000} s`,
    '—',
    '—',
    '—',
    '—',
    `${quiet.p50Ms} ms`,
    `${quiet.p99Ms} ms`,
    `${quiet.maxMs} ms`,
    '—',
  ],
  ...results.map((r) => [
    r.phase,
    r.rows.toLocaleString('en-US'),
    `${(r.previewMs / 1000).toFixed(1)} s`,
    `${(r.runMs / 1000).toFixed(1)} s`,
    String(r.rowsPerS),
    String(r.created),
    String(r.rejected),
    `${(r.gatewayCpuMs / 1000).toFixed(1)} s`,
    `${r.lag.p50Ms} ms`,
    `${r.lag.p99Ms} ms`,
    `${r.lag.maxMs} ms`,
    `${r.longestStallMs} ms (${r.stallsOver20Ms} ≥ 20 ms)`,
  ]),
]
const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length))) ?? []
for (const row of table) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}\n`)
process.stdout.write('(loop: nodejs_eventloop_lag_*, 10 ms sampling included; an idle loop reads ≈10 ms)\n')
process.stdout.write(`${JSON.stringify({ bench: 'import-console', quiet, results })}\n`)
