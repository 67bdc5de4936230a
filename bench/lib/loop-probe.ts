/**
 * Event-loop and GC recorder, preloaded into a process under test with
 * `--import bench/lib/loop-probe.ts` and `BENCH_LOOP_PROBE=<file>`. It
 * changes nothing in the process: a 10 ms interval notes how late it runs
 * (stalls over `BENCH_LOOP_STALL_MS`, default 20, with their wall-clock time),
 * `monitorEventLoopDelay` keeps the delay histogram, a `gc` observer the
 * collections of 5 ms or more. The first SIGUSR2 restarts the histogram (the
 * measured window begins), a second one closes the window: its figures are
 * kept, and what comes after (the load generators leaving) is recorded apart
 * as `after`. At exit everything is written to the file as JSON.
 */
import { writeFileSync } from 'node:fs'
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks'

const file = process.env.BENCH_LOOP_PROBE
if (file) {
  const stallMs = Number(process.env.BENCH_LOOP_STALL_MS ?? 20)
  const histogram = monitorEventLoopDelay({ resolution: 5 })
  histogram.enable()
  const stalls: { at: number; ms: number }[] = []
  const gcs: { at: number; ms: number; kind: number }[] = []
  let windowStart = Date.now()
  let last = performance.now()
  const tick = setInterval(() => {
    const now = performance.now()
    const late = now - last - 10
    if (late >= stallMs) stalls.push({ at: Date.now() - Math.round(late), ms: Math.round(late) })
    last = now
  }, 10)
  tick.unref()
  const gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration >= 5) {
        const kind = (e as { detail?: { kind?: number } }).detail?.kind ?? 0
        gcs.push({ at: Math.round(performance.timeOrigin + e.startTime), ms: Math.round(e.duration), kind })
      }
    }
  })
  gcObserver.observe({ entryTypes: ['gc'] })
  const ms = (ns: number) => Math.round(ns / 1e4) / 100
  const figures = () => ({
    p50: ms(histogram.percentile(50)),
    p99: ms(histogram.percentile(99)),
    p999: ms(histogram.percentile(99.9)),
    max: ms(histogram.max),
  })
  type Figures = { windowEnd: number; delayMs: ReturnType<typeof figures>; stalls: unknown[]; gcs: unknown[] }
  let closed: Figures | undefined
  let signals = 0
  process.on('SIGUSR2', () => {
    signals++
    if (signals === 2)
      closed = { windowEnd: Date.now(), delayMs: figures(), stalls: [...stalls], gcs: [...gcs] }
    histogram.reset()
    stalls.length = 0
    gcs.length = 0
    if (signals === 1) windowStart = Date.now()
  })
  process.on('exit', () => {
    const now = { windowEnd: Date.now(), delayMs: figures(), stalls, gcs }
    writeFileSync(
      file,
      JSON.stringify(closed ? { windowStart, ...closed, after: now } : { windowStart, ...now }),
    )
  })
}
