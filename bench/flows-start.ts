/**
 * `node bench/flows-start.ts [runs]`: what the embedded flows cost a start. Each run is a fresh
 * process starting the gateway with `CARE_FLOWS=off` or `on`, measuring `App.start()`, the time to
 * flows up, RSS, and the longest event-loop stall while the flows start (sampled every 5 ms).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const runs = Number(process.argv[2] ?? 5)

if (process.env.FLOWS_BENCH_CHILD) {
  const { App } = await import('../gateway/app.ts')
  const { loadConfig } = await import('../gateway/config.ts')
  const config = loadConfig({
    env: {
      ...process.env,
      CARE_HTTP_PORT: '0',
      CARE_MQTT_PORT: '0',
      CARE_LOG_LEVEL: 'silent',
      CARE_ADMIN_TOKEN: 'bench-admin-token-0123456789',
    },
  })
  let longest = 0
  let last = performance.now()
  const ticker = setInterval(() => {
    const now = performance.now()
    longest = Math.max(longest, now - last - 5)
    last = now
  }, 5)
  const app = new App({ config })
  const t0 = performance.now()
  await app.start()
  const startMs = performance.now() - t0
  longest = 0
  last = performance.now()
  await app.surface.flows.ready
  const flowsMs = performance.now() - t0
  clearInterval(ticker)
  const rssMB = Math.round(process.memoryUsage().rss / 1_048_576)
  await app.stop()
  process.stdout.write(
    `${JSON.stringify({ startMs: Math.round(startMs), flowsMs: Math.round(flowsMs), stallMs: Math.round(longest), rssMB })}\n`,
  )
  process.exit(0)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const results: Record<string, Record<string, number>> = {}
for (const flows of ['off', 'on']) {
  const samples: Record<string, number>[] = []
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'care-bench-flows-'))
    const child = spawnSync(process.execPath, [import.meta.filename], {
      env: { ...process.env, FLOWS_BENCH_CHILD: '1', CARE_FLOWS: flows, CARE_DATA_DIR: dataDir },
      encoding: 'utf8',
    })
    rmSync(dataDir, { recursive: true, force: true })
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'))
    if (!line) throw new Error(`flows ${flows}: ${child.stderr}`)
    samples.push(JSON.parse(line) as Record<string, number>)
  }
  const keys = Object.keys(samples[0] ?? {})
  results[flows] = Object.fromEntries(keys.map((k) => [k, median(samples.map((s) => s[k] ?? Number.NaN))]))
}
process.stdout.write(`${JSON.stringify({ bench: 'flows-start', runs, ...results })}\n`)
