/** The "Cluster" part of the results in docs/performance.md, from bench/cluster.ts's JSON line. */

// biome-ignore lint/suspicious/noExplicitAny: the results are the benchmark's own JSON line
type Json = Record<string, any>

const n = (v: unknown, digits = 0) =>
  typeof v === 'number' && Number.isFinite(v)
    ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—'
const s = (ms: unknown) => (typeof ms === 'number' ? n(ms / 1000, 1) : '—')
const met = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'met' : 'not met')
/** A stepped rate: the passing rate, or "< lowest step" when even the lowest failed. */
const stepped = (r: Json, key: 'sustainedPerS' | 'throughputPerS') =>
  r[key] === 0 && r.steps?.[0] ? `< ${n(r.steps[0].offeredPerS)}` : n(r[key])
const latency = (m: Json | undefined) =>
  `${n(m?.offerMs?.p50, 2)} / ${n(m?.offerMs?.p99, 2)} / ${n(m?.offerMs?.max, 2)}`

/** Met within 10 s, and whether within the 5 s goal too. */
function failoverTarget(times: unknown[]): string {
  const worst = Math.max(...times.map((t) => (typeof t === 'number' && Number.isFinite(t) ? t : Number.NaN)))
  if (!Number.isFinite(worst)) return '—'
  return worst <= 5_000 ? 'met (goal too)' : worst <= 10_000 ? 'met (goal not)' : 'not met'
}

function sosRows(c: Json): string[] {
  const single: Json = c.sos?.single ?? {}
  const cluster: Json = c.sos?.cluster ?? {}
  const ratio: Json = c.sos?.p99Ratio ?? {}
  const setup: Json = c.setup ?? {}
  const mem: Json = c.memory ?? {}
  const perNode: Json[] = mem.cluster?.perNode ?? []
  const onA: Json = perNode[0] ?? {}
  const others = perNode
    .slice(1)
    .map((x) => `${x.rssAfterMB - x.rssBeforeMB >= 0 ? '+' : ''}${n(x.rssAfterMB - x.rssBeforeMB, 1)}`)
    .join(' / ')
  return [
    '| measured | single process (SQLite) | cluster | cluster ÷ single | target |',
    '| --- | ---: | ---: | ---: | --- |',
    `| SOS PUBLISH → offer p50 / p99 / max, ms (${n(setup.sos)} SOS; cluster: device on node A, carers on B and C) | ${latency(single.idle)} | ${latency(cluster.idle)} | p99 ${n(ratio.idle, 2)}× | p99 ≤ 1.5×: ${met(typeof ratio.idle === 'number' ? ratio.idle <= 1.5 : undefined)} |`,
    `| … with ${n(setup.devices)} devices sending ${n(setup.locPerS)} \`loc\`/s (cluster: through HAProxy) | ${latency(single.loaded)} | ${latency(cluster.loaded)} | p99 ${n(ratio.loaded, 2)}× | — |`,
    `| memory per device connection, ${n(setup.devices)} devices (clean session, one subscription) on one node, KB; cluster: node A (B / C meanwhile, MB) | ${n(mem.single?.kbPerConnection, 1)} | ${n(onA.kbPerConnection, 1)} (${others}) | ${mem.single?.kbPerConnection ? n(onA.kbPerConnection / mem.single.kbPerConnection, 2) : '—'}× | reported |`,
    `| the same devices connecting at once, each new to the node (one scrypt check each), s | ${n(mem.single?.connectS, 1)} | ${n(mem.cluster?.connectS, 1)} | — | — |`,
  ]
}

function failoverRows(c: Json): string[] {
  const runs: Json[] = c.failover ?? []
  return [
    "| failover: node A of 3 SIGKILLed | lease (renewed every) | devices on A | (a) A's devices all back through HAProxy, s (p50) | (b) A's lanes held again / all lanes, s | (c) A's offers due while dead fired, s after the kill (latest past due) | target 10 s, goal 5 s |",
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...runs.map(
      (r) =>
        `| HAProxy retrying ${r.redispatch ? 'on another node' : 'the same node (its default)'} | ${n(r.leaseS)} s (${n(r.renewEveryS, 1)} s) | ${n(r.killedNode?.devices)} of ${n(r.devices)} | ${s(r.reconnect?.allMs)} (${s(r.reconnect?.p50Ms)}) | ${s(r.lanes?.ofKilledHeldMs)} / ${s(r.lanes?.allHeldMs)} | ${s(r.deadlines?.firedMs?.[1])} (${s(r.deadlines?.lateMaxMs)}) for ${n(r.deadlines?.due)} offers | ${failoverTarget([r.reconnect?.allMs, r.lanes?.allHeldMs, r.deadlines?.firedMs?.[1]])} |`,
    ),
  ]
}

function ingestRows(c: Json): string[] {
  const one: Json = c.ingest?.one ?? {}
  const two: Json = c.ingest?.two ?? {}
  const cost: Json = c.ingest?.cost ?? {}
  const ratio = (a: unknown, b: unknown) =>
    typeof a === 'number' && typeof b === 'number' && a > 0 && b > 0 ? `${(a / b).toFixed(2)}×` : '—'
  const nodeCost = (x: Json | undefined) =>
    (x?.nodes ?? []).map((m: Json) => `${n(m.cpuMsPer1000Own)} / ${n(m.cpuMsPer1000Cluster)}`).join('; ')
  const shared = (x: Json | undefined) =>
    `${n(x?.postgres?.cpuMsPer1000)} / ${n(x?.redis?.cpuMsPer1000)} / ${n(x?.haproxy?.cpuMsPer1000)}`
  return [
    `| \`loc\` ingest through HAProxy (${n(one.devices)} devices, QoS 0; QoS 1 probe) | one node | two nodes | two ÷ one |`,
    '| --- | ---: | ---: | ---: |',
    `| sustained, msgs/s (no loss, < 1 s behind, probe p99 ≤ 25 ms) | ${stepped(one, 'sustainedPerS')} | ${stepped(two, 'sustainedPerS')} | ${ratio(two.sustainedPerS, one.sustainedPerS)} |`,
    `| latency bound aside, msgs/s | ${stepped(one, 'throughputPerS')} | ${stepped(two, 'throughputPerS')} | ${ratio(two.throughputPerS, one.throughputPerS)} |`,
    `| at ${n(cost.atRate)}/s: each node's CPU ms per 1,000 \`loc\` it stored / per 1,000 of the cluster's | ${nodeCost(cost.oneNode)} | ${nodeCost(cost.twoNodes)} | — |`,
    `| at ${n(cost.atRate)}/s: PostgreSQL / Redis / HAProxy CPU ms per 1,000 \`loc\` | ${shared(cost.oneNode)} | ${shared(cost.twoNodes)} | — |`,
  ]
}

function sizingRows(c: Json): string[] {
  const sizing: Json = c.load?.sizing ?? {}
  const setup: Json = c.setup ?? {}
  const cell = (w: Json | undefined) =>
    `${n(w?.postgresCpuPct, 1)}%, ${n(w?.postgresCommitsPerS)}/s | ${n(w?.redisCpuPct, 1)}%, ${n(w?.redisCommandsPerS)}/s | ${n(w?.haproxyCpuPct, 1)}%`
  return [
    `| shared servers, three nodes, ${n(setup.devices)} devices connected through HAProxy; CPU in % of one core | PostgreSQL CPU, commits | Redis CPU, commands | HAProxy CPU |`,
    '| --- | ---: | ---: | ---: |',
    `| devices silent (the cluster's own heartbeats and leases) | ${cell(sizing.fixed)} |`,
    `| each sending ${n(sizing.locPerDevicePerS, 2)} \`loc\`/s (${n(setup.locPerS)}/s in all) | ${cell(sizing.sending)} |`,
  ]
}

export function renderCluster(c: Json | undefined): string[] {
  if (!c) return []
  if (c.skipped) return ['### Cluster', '', `Not measured: ${c.skipped}.`, '']
  if (c.error) return ['### Cluster', '', `The run failed: ${c.error}`, '']
  const setup: Json = c.setup ?? {}
  return [
    '### Cluster',
    '',
    `${n(setup.nodes)} gateway processes over one ${setup.postgres ?? 'PostgreSQL'} (fsync and synchronous commit on, as deployed) and one Redis, behind HAProxy, on the same 2 cores as everything else (so no figure here can show scaling); carers with persistent sessions, devices with clean ones. ${n(c.minutes, 1)} minutes.`,
    '',
    ...sosRows(c),
    '',
    ...failoverRows(c),
    '',
    ...ingestRows(c),
    '',
    ...sizingRows(c),
    '',
  ]
}
