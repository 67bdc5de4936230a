import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { type LoadProcess, startLoads, sumCounters } from './load.ts'
import { NODE, procCpuMs } from './servers.ts'
import { round } from './stats.ts'

/**
 * Stepped `loc` ingest (DESIGN: "sustained loc msgs/s through the whole
 * gateway path"). Devices in separate generator processes send `loc` at QoS 0,
 * round robin, at a total rate raised step by step; a probe device in its own
 * process publishes `loc` at QoS 1 forty times a second and times each
 * PUBACK. A step passes when
 *   - the generators sent what was offered (≥ 98% of the rate, under 1% of
 *     sends skipped for a socket the server was not reading),
 *   - nothing was lost: every message sent in the step is counted as stored
 *     (≤ 0.1% missing, throttled messages counting as lost), and
 *   - the target kept up: once the step ends, the last of it is stored within
 *     1 s (the backlog is under a second),
 *   - the probe's PUBACK round trip has p99 ≤ the latency bound (25 ms, the
 *     SOS budget: an alarm uplink waits in the same queue).
 * `sustainedPerS` is the stored rate of the highest step passing all four;
 * `throughputPerS` that of the highest step passing the first three (latency
 * aside). Stepping ends at the first step losing messages or falling behind,
 * or when the generators cannot offer the rate.
 */
export interface IngestTarget {
  mqttUrl: string
  pid: number
  /** Uplinks stored (the gateway's `care_positions_stored_total`) or received (raw Aedes) so far. */
  stored(): Promise<number>
  /** Uplinks acknowledged but dropped by a rate limit so far. */
  throttled(): Promise<number>
  prefix: string
  from: number
  devices: number
  anonymous: boolean
  probeId: string
  /** Other processes whose CPU is worth reporting (the TSDB). */
  others?: Record<string, number>
  /**
   * Counters of the target's own to report per second over each step's window (what each node of
   * a cluster stored, the database's commits, the shared servers' CPU ms).
   */
  counters?: () => Promise<Record<string, number>>
}

export interface IngestOptions {
  rates: readonly number[]
  stepS: number
  warmS: number
  processes: number
  latencyBoundMs: number
}

export interface ProbeStats {
  n: number
  total: number
  p50: number
  p99: number
  max: number
}

export interface IngestStep {
  offeredPerS: number
  sentPerS: number
  storedPerS: number
  lost: number
  lossPct: number
  throttled: number
  blocked: number
  drainMs: number
  probe: ProbeStats
  cpuPct: Record<string, number>
  /** The target's `counters`, per second over the window. */
  perS?: Record<string, number>
  offered: boolean
  kept: boolean
  fast: boolean
}

export interface IngestResult {
  devices: number
  generators: number
  stepS: number
  latencyBoundMs: number
  sustainedPerS: number
  throughputPerS: number
  /** Why stepping ended. */
  stop: string
  steps: IngestStep[]
}

const PROBE = join(import.meta.dirname, 'ack-probe.ts')

function startProbe(url: string, id: string, anonymous: boolean) {
  const child: ChildProcess = spawn(NODE, [PROBE, url, id, '25', anonymous ? 'anon' : ''], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  let buffer = ''
  const waiting: ((line: string) => void)[] = []
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ack-probe exited ${code}`)))
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString()
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        if (line === 'ready') resolve()
        else if (line.startsWith('{')) waiting.shift()?.(line)
      }
    })
  })
  return {
    pid: child.pid ?? 0,
    ready,
    mark: () =>
      new Promise<ProbeStats>((resolve) => {
        waiting.push((line) => resolve(JSON.parse(line) as ProbeStats))
        child.stdin?.write('mark\n')
      }),
    quit: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.stdin?.write('quit\n')
      }),
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function cpu(pids: Record<string, number[]>): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const [name, list] of Object.entries(pids)) {
    let sum = 0
    for (const pid of list) sum += await procCpuMs(pid).catch(() => 0)
    out[name] = sum
  }
  return out
}

function perSecond(a: Record<string, number>, b: Record<string, number>, ms: number): Record<string, number> {
  return Object.fromEntries(
    Object.keys(b).map((k) => [k, round((((b[k] ?? 0) - (a[k] ?? 0)) * 1000) / ms, 1)]),
  )
}

export async function stepIngest(target: IngestTarget, options: IngestOptions): Promise<IngestResult> {
  const loads: LoadProcess[] = startLoads(
    target.mqttUrl,
    target.prefix,
    target.from,
    target.devices,
    options.processes,
    { anonymous: target.anonymous },
  )
  const probe = startProbe(target.mqttUrl, target.probeId, target.anonymous)
  const steps: IngestStep[] = []
  let stop = 'every rate passed'
  try {
    const connected = await Promise.all(loads.map((l) => l.connected))
    const failed = connected.reduce((a, c) => a + c.failed, 0)
    if (failed > 0) throw new Error(`ingest: ${failed} devices failed to connect`)
    await probe.ready
    const sent = async () => sumCounters(await Promise.all(loads.map((l) => l.report())))
    const pids = {
      target: [target.pid],
      generators: loads.map((l) => l.pid),
      probe: [probe.pid],
      ...Object.fromEntries(Object.entries(target.others ?? {}).map(([k, v]) => [k, [v]])),
    }
    for (const rate of options.rates) {
      const before = {
        stored: await target.stored(),
        throttled: await target.throttled(),
        load: await sent(),
      }
      const probeBefore = await probe.mark()
      for (const l of loads) l.rate(rate / loads.length)
      await sleep(options.warmS * 1000)
      const w0 = {
        stored: await target.stored(),
        load: await sent(),
        cpu: await cpu(pids),
        counters: await target.counters?.(),
        t: performance.now(),
      }
      await probe.mark() // warm-up round trips are not counted
      await sleep(options.stepS * 1000)
      const w1 = {
        stored: await target.stored(),
        load: await sent(),
        cpu: await cpu(pids),
        counters: await target.counters?.(),
        t: performance.now(),
      }
      const window = await probe.mark()
      for (const l of loads) l.rate(0)
      // drain: wait until what this step sent is counted, at most 5 s
      const ended = performance.now()
      const afterLoad = await sent()
      const sentCount = afterLoad.sent - before.load.sent
      let stored = await target.stored()
      let throttled = await target.throttled()
      const probeSoFar = window.total - probeBefore.total
      while (
        stored - before.stored < sentCount + probeSoFar - (throttled - before.throttled) &&
        performance.now() - ended < 5_000
      ) {
        await sleep(50)
        stored = await target.stored()
        throttled = await target.throttled()
      }
      const drainMs = Math.round(performance.now() - ended)
      // the probe kept publishing meanwhile: count its acknowledged messages now (one may be in flight)
      const probeAfter = await probe.mark()
      stored = await target.stored()
      throttled = await target.throttled()
      const expected = sentCount + (probeAfter.total - probeBefore.total) - (throttled - before.throttled)
      const lost = Math.max(0, expected - (stored - before.stored))
      const ms = w1.t - w0.t
      const offeredCount = sentCount + (afterLoad.blocked - before.load.blocked)
      const sentPerS = ((w1.load.sent - w0.load.sent) * 1000) / ms
      const step: IngestStep = {
        offeredPerS: rate,
        sentPerS: Math.round(sentPerS),
        storedPerS: Math.round(((w1.stored - w0.stored) * 1000) / ms),
        lost,
        lossPct: round((100 * lost) / Math.max(1, sentCount), 3),
        throttled: throttled - before.throttled,
        blocked: afterLoad.blocked - before.load.blocked,
        drainMs,
        probe: window,
        cpuPct: Object.fromEntries(
          Object.keys(pids).map((k) => [k, Math.round((((w1.cpu[k] ?? 0) - (w0.cpu[k] ?? 0)) / ms) * 100)]),
        ),
        ...(w0.counters && w1.counters ? { perS: perSecond(w0.counters, w1.counters, ms) } : {}),
        offered: sentPerS >= 0.98 * rate && afterLoad.blocked - before.load.blocked <= 0.01 * offeredCount,
        kept: false,
        fast: window.p99 <= options.latencyBoundMs,
      }
      step.kept = step.lossPct <= 0.1 && drainMs <= 1_000
      steps.push(step)
      process.stderr.write(`  ingest step ${JSON.stringify({ ...step, endedAt: Date.now() })}\n`)
      if (!step.offered) {
        stop = `the generators could not offer ${rate.toLocaleString('en-US')}/s`
        break
      }
      if (!step.kept) {
        stop = `${rate.toLocaleString('en-US')}/s: ${step.lossPct > 0.1 ? `${step.lossPct}% lost` : `${drainMs} ms behind`}`
        break
      }
      await sleep(1_000)
    }
  } finally {
    await probe.quit()
    await Promise.all(loads.map((l) => l.quit().catch(() => undefined)))
  }
  // the highest step such that it and every lower step passed
  const upTo = (pass: (s: IngestStep) => boolean) => {
    let rate = 0
    for (const s of steps) {
      if (!pass(s)) break
      rate = s.storedPerS
    }
    return rate
  }
  return {
    devices: target.devices,
    generators: loads.length,
    stepS: options.stepS,
    latencyBoundMs: options.latencyBoundMs,
    sustainedPerS: upTo((s) => s.offered && s.kept && s.fast),
    throughputPerS: upTo((s) => s.offered && s.kept),
    stop,
    steps,
  }
}
