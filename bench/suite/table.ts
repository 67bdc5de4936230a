import { readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'

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

export function renderTable(r: Json, mosquittoVersion: string): string {
  const aedes: Json = r['relay-aedes'] ?? {}
  const mosq: Json = r['relay-mosquitto'] ?? {}
  const sos: Json = r['sos-latency-loaded'] ?? {}
  const conn: Json = r.connections ?? {}
  const restart: Json = r.restart ?? {}
  const nearest: Json[] = r['nearest-carer']?.results ?? []
  const n10k = nearest.find((x) => x.carers === 10_000) ?? {}
  const sosP99 = sos.offerMs?.p99
  const relayP99 = aedes.qos1RttMs?.p99
  const rows = [
    '| benchmark | gateway | raw Aedes | Mosquitto | ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
    `| relay QoS 0, msgs/s | — | ${n(aedes.qos0PerS)} | ${n(mosq.qos0PerS)} | Aedes/Mosquitto ${ratio(aedes.qos0PerS, mosq.qos0PerS)} | — |`,
    `| relay QoS 1 round trip p50 / p99, ms | — | ${n(aedes.qos1RttMs?.p50, 2)} / ${n(relayP99, 2)} | ${n(mosq.qos1RttMs?.p50, 2)} / ${n(mosq.qos1RttMs?.p99, 2)} | — | — |`,
    `| SOS PUBLISH → offer p50 / p99 / max, ms (${n(sos.devices)} devices, ${n(sos.locPerS)} loc/s offered, ${n(sos.offers)} SOS) | ${n(sos.offerMs?.p50, 2)} / ${n(sosP99, 2)} / ${n(sos.offerMs?.max, 2)} | relay p99 ${n(relayP99, 2)} | relay p99 ${n(mosq.qos1RttMs?.p99, 2)} | p99 ÷ Aedes p99 ${ratio(sosP99, relayP99)} | p99 ≤ 3× relay and < 25 ms: ${typeof sosP99 === 'number' && sosP99 < 25 && sosP99 <= 3 * relayP99 ? 'met' : 'not met'} |`,
    `| background loc actually sent, msgs/s | ${n(sos.load?.offeredPerS)} | — | — | — | 5,000 |`,
    `| idle connections, RSS per connection, KB | ${n(conn.rssPerConnKB, 1)} (${n(conn.idleConnections)} conns) | ${n(aedes.rssPerConnKB, 1)} (${n(aedes.idleConnections)}) | ${n(mosq.rssPerConnKB, 1)} (${n(mosq.idleConnections)}) | ÷ Aedes ${ratio(conn.rssPerConnKB, aedes.rssPerConnKB)} | reported |`,
    `| nearest carer among 10,000, µs/query (brute force) | ${n(n10k.indexUs)} (${n(n10k.bruteUs)}) | — | — | speed-up ${n(n10k.speedup, 1)}× | well under 1 ms: ${typeof n10k.indexUs === 'number' && n10k.indexUs < 500 ? 'met' : 'not met'} |`,
    `| restart with ${n(restart.openAlarms)} open alarms: boot (timers re-armed) / process start → ready, ms | ${n(restart.bootMs)} / ${n(restart.processToReadyMs)} | — | — | — | < 2 s: ${typeof restart.bootMs === 'number' && restart.bootMs < 2000 ? 'met' : 'not met'} |`,
  ]
  const cpu = cpus()
  return [
    BEGIN,
    '## Results of `npm run bench`',
    '',
    `${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model ?? 'cpu'}, Node ${process.version}, ${mosquittoVersion}, loopback. Gateway, relays and every load generator in separate processes.`,
    '',
    ...rows,
    '',
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
