import { readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import { renderCluster } from './cluster-table.ts'

/** Rewrites the section of docs/performance.md between the bench markers. */
const FILE = join(import.meta.dirname, '..', '..', 'docs', 'performance.md')
const BEGIN = '<!-- bench:begin (written by npm run bench; edits here are lost) -->'
const END = '<!-- bench:end -->'

// biome-ignore lint/suspicious/noExplicitAny: the results are the benchmarks' own JSON lines
type Json = Record<string, any>

const n = (v: unknown, digits = 0) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—'
const ratio = (a: unknown, b: unknown) =>
  typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}×` : '—'

/** A stepped rate: the passing rate, or "< lowest step" when even the lowest failed. */
const stepped = (result: Json, key: 'sustainedPerS' | 'throughputPerS') =>
  result[key] === 0 && result.steps?.[0] ? `< ${n(result.steps[0].offeredPerS)}` : n(result[key])
const ratioOf = (a: unknown, b: unknown) => (a === 0 ? '—' : ratio(a, b))

const met = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'met' : 'not met')

export function renderTable(r: Json, mosquittoVersion: string): string {
  const aedes: Json = r['relay-aedes'] ?? {}
  const mosq: Json = r['relay-mosquitto'] ?? {}
  const sos: Json = r['sos-latency-loaded'] ?? {}
  const conn: Json = r.connections ?? {}
  const ingest: Json = r.ingest ?? {}
  const rawIngest: Json = aedes.ingest ?? {}
  const provision: Json = r.provision ?? {}
  const restart: Json = r.restart ?? {}
  const board: Json = r.board ?? {}
  const watch: Json = r.watch ?? {}
  const machine: Json = r.machine ?? {}
  const nearest: Json[] = r['nearest-carer']?.results ?? []
  const n10k = nearest.find((x) => x.carers === 10_000) ?? {}
  const sosP99 = sos.offerMs?.p99
  const relayP99 = aedes.qos1RttMs?.p99
  const loop: Json = sos.gatewayLoop ?? {}
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) ? v : undefined
  const sustained = num(ingest.sustainedPerS)
  const relayQ0 = num(aedes.qos0PerS)
  const ingestMet = sustained !== undefined && relayQ0 ? sustained >= 0.5 * relayQ0 : undefined
  const sosMet =
    typeof sosP99 === 'number' && typeof relayP99 === 'number'
      ? sosP99 < 25 && sosP99 <= 3 * relayP99
      : undefined
  const attempted = num(machine.connections)
  const rows = [
    '| benchmark | gateway | raw Aedes | Mosquitto | ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    `| relay QoS 0, msgs/s (2 publishers → 1 subscriber) | — | ${n(aedes.qos0PerS)} | ${n(mosq.qos0PerS)} | Aedes/Mosquitto ${ratio(aedes.qos0PerS, mosq.qos0PerS)} | — |`,
    `| relay QoS 1 round trip p50 / p99, ms | — | ${n(aedes.qos1RttMs?.p50, 2)} / ${n(relayP99, 2)} | ${n(mosq.qos1RttMs?.p50, 2)} / ${n(mosq.qos1RttMs?.p99, 2)} | — | — |`,
    `| \`loc\` ingest sustained, msgs/s (${n(ingest.devices)} devices; no loss, < 1 s behind, QoS 1 probe p99 ≤ ${n(ingest.latencyBoundMs)} ms) | ${stepped(ingest, 'sustainedPerS')} | ${stepped(rawIngest, 'sustainedPerS')} | — | ÷ Aedes relay QoS 0 ${ratioOf(ingest.sustainedPerS, aedes.qos0PerS)}; ÷ Aedes same load ${ratioOf(ingest.sustainedPerS, rawIngest.sustainedPerS)} | ≥ 50% of relay QoS 0: ${met(ingestMet)} |`,
    `| \`loc\` ingest, latency bound aside (no loss, < 1 s behind), msgs/s | ${stepped(ingest, 'throughputPerS')} | ${stepped(rawIngest, 'throughputPerS')} | — | ÷ Aedes relay QoS 0 ${ratioOf(ingest.throughputPerS, aedes.qos0PerS)}; ÷ Aedes same load ${ratioOf(ingest.throughputPerS, rawIngest.throughputPerS)} | — |`,
    `| SOS PUBLISH → offer p50 / p99 / max, ms (${n(sos.devices)} devices, ${n(sos.locPerS)} loc/s offered, ${n(sos.offers)} SOS) | ${n(sos.offerMs?.p50, 2)} / ${n(sosP99, 2)} / ${n(sos.offerMs?.max, 2)} | relay p99 ${n(relayP99, 2)} | relay p99 ${n(mosq.qos1RttMs?.p99, 2)} | p99 ÷ Aedes p99 ${ratio(sosP99, relayP99)} | p99 ≤ 3× relay and < 25 ms: ${met(sosMet)} |`,
    `| … during it: gateway CPU / load generators' CPU, % of one core; event-loop delay p99 / max, ms | ${n(sos.cpuPct?.gateway)} / ${n(sos.cpuPct?.generators)}; ${n(loop.delayMs?.p99, 1)} / ${n(loop.delayMs?.max, 1)} | — | — | — | — |`,
    `| … background \`loc\` sent / stored, msgs/s | ${n(sos.load?.sentPerS)} / ${n(sos.load?.storedPerS)} | — | — | — | ${n(sos.locPerS)} |`,
    `| idle connections held of ${n(attempted)}, RSS per connection, KB | ${n(conn.idleConnections)}: ${n(conn.rssPerConnKB, 1)} | ${n(aedes.idleConnections)}: ${n(aedes.rssPerConnKB, 1)} | ${n(mosq.idleConnections)}: ${n(mosq.rssPerConnKB, 1)} | ÷ Aedes ${ratio(conn.rssPerConnKB, aedes.rssPerConnKB)} | reported |`,
    `| provisioning through \`POST /import\`: devices/s (${n(provision.devices)} devices, ${n(provision.rows)} rows) | ${n(provision.devicesPerS)} | — | — | — | — |`,
    `| nearest carer among 10,000, µs/query (brute force) | ${n(n10k.indexUs)} (${n(n10k.bruteUs)}) | — | — | speed-up ${n(n10k.speedup, 1)}× | well under 1 ms: ${met(typeof n10k.indexUs === 'number' ? n10k.indexUs < 500 : undefined)} |`,
    `| restart with ${n(restart.openAlarms)} open alarms: boot (timers re-armed) / process start → ready, ms | ${n(restart.bootMs)} / ${n(restart.processToReadyMs)} | — | — | — | < 2 s: ${met(typeof restart.bootMs === 'number' ? restart.bootMs < 2000 : undefined)} |`,
    `| "3G" watches (${n(watch.watches)} held): decoder alone / behind the splitter, frames/s; fixes through the gateway, frames/s; RSS per watch, KB | ${n(watch.decode?.framesPerS)} / ${n(watch.decode?.streamFramesPerS)}; ${n(watch.gatewayFixesPerS)}; ${n(watch.rssPerWatchKB, 1)} | — | — | — | — |`,
    `| SOS → offer p50 / p99, ms: a watch's \`AL\` frame, and an MQTT \`sos\` in turn (${n(watch.sosToOfferMs?.watch?.n)} each, no background load) | ${n(watch.sosToOfferMs?.watch?.p50, 2)} / ${n(watch.sosToOfferMs?.watch?.p99, 2)} | MQTT ${n(watch.sosToOfferMs?.mqtt?.p50, 2)} / ${n(watch.sosToOfferMs?.mqtt?.p99, 2)} | — | p50 ÷ MQTT p50 ${ratio(watch.sosToOfferMs?.watch?.p50, watch.sosToOfferMs?.mqtt?.p50)} | — |`,
    `| board in Chromium (${n(board.alarms)} alarms, ${n(board.carers)} carers, ${n(board.updatesPerS)} updates/s): first render, ms; fps; frame p95, ms | ${n(board.firstRenderMs)}; ${n(board.fps, 1)}; ${n(board.frameP95Ms, 1)} | — | — | — | — |`,
  ]
  const cpu = cpus()
  const end: Json = r['machine-end'] ?? {}
  return [
    BEGIN,
    '## Results of `npm run bench`',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node ${process.version}, ${mosquittoVersion}, loopback. Gateway, relays and every load generator in separate processes. Load average ${n(machine.loadAverageAtStart, 2)} at the start, ${n(end.loadAverageAtEnd, 2)} at the end; ${n(end.minutes, 1)} minutes.`,
    '',
    ...rows,
    '',
    ...renderCluster(r.cluster),
    END,
  ].join('\n')
}

export function writeTable(results: Json, mosquittoVersion = 'Mosquitto (Debian)'): void {
  const text = readFileSync(FILE, 'utf8')
  const table = renderTable(results, mosquittoVersion)
  const start = text.indexOf(BEGIN)
  const end = text.indexOf(END)
  const next =
    start >= 0 && end > start
      ? `${text.slice(0, start)}${table}${text.slice(end + END.length)}`
      : text.replace(/\n## /, `\n${table}\n\n## `)
  writeFileSync(FILE, next)
}
