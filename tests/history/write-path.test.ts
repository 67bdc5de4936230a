import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../support/mqtt.ts'
import { missingServer, startVictoria, VICTORIA, type Victoria } from '../support/tsdb.ts'
import { ADMIN_TOKEN, HOME, offset, startWorld, type World } from '../support/world.ts'

// the gateway writes through the v2 write API to a real server; VictoriaMetrics takes the same protocol
const skip = missingServer(VICTORIA)
const isTask = (action: string) => (r: { message: Record<string, unknown> }) => r.message.action === action

describe.skipIf(skip !== undefined)(
  `history written to VictoriaMetrics${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    let vm: Victoria
    let world: World
    beforeAll(async () => {
      vm = await startVictoria()
      world = await startWorld({
        env: { CARE_INFLUX_URL: vm.url, CARE_INFLUX_ORG: 'care', CARE_INFLUX_BUCKET: 'care' },
      })
    })
    afterAll(async () => {
      await world?.stop()
      await vm?.stop()
    })

    it('lands every position, alarm entry and response figure with its tags and timestamp', async () => {
      await world.elder('E01', { grid: ['Haifeng St', 'Dongguan', 'G03', '12'] })
      const device = await world.device('D01', 'E01', { intervalS: 3600 })
      const carer = await world.carer('C01', offset(HOME, 300, 0))
      const t0 = world.clock.now()
      const fixes = Array.from({ length: 40 }, (_, i) => ({
        ts: t0 - 40_000 + i * 1000,
        ...offset(HOME, i, 0),
      }))
      for (const f of fixes) await device.publish('care/v1/dev/D01/loc', { ...f, acc: 10, src: 'gps' }, 0)
      await device.publish('care/v1/dev/D01/sos', { id: 'm1', ts: t0, lat: HOME.lat, lon: HOME.lon })
      const offer = await carer.next(isTask('offer'))
      const alarmId = offer.message.alarmId as string
      await world.scheduler.advance(30_000)
      await carer.publish('care/v1/carer/C01/reply', { alarmId, action: 'accept', ts: world.clock.now() })
      await carer.next(isTask('assigned'))
      await world.scheduler.advance(5 * 60_000)
      await carer.publish('care/v1/carer/C01/reply', {
        alarmId,
        action: 'arrive',
        ts: world.clock.now(),
        ...HOME,
      })
      await world.scheduler.advance(10 * 60_000)
      await carer.publish('care/v1/carer/C01/reply', {
        alarmId,
        action: 'resolve',
        ts: world.clock.now(),
        outcome: 'assisted',
      })

      const influx = world.app.surface.history.influx
      if (!influx) throw new Error('history not configured')
      await eventually(
        () => influx.health().written >= fixes.length + 6 && influx.health().outbox.depth === 0,
        10_000,
        'outbox drained',
      )
      const health = (await world.api('GET', '/api/v1/health')).body as { history: Record<string, unknown> }
      expect(health.history).toMatchObject({ status: 'up', outbox: { depth: 0, lagMs: 0 }, dropped: 0 })
      const metrics = await world.app.surface.inject({
        method: 'GET',
        url: '/api/v1/metrics',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      })
      expect(metrics.body).toMatch(/^care_history_points_written_total \d+$/m)
      expect(metrics.body).toMatch(/^care_history_outbox_depth 0$/m)

      const place = { device: 'D01', elder: 'E01', street: 'Haifeng St', community: 'Dongguan', grid: 'G03' }
      let lat: Awaited<ReturnType<Victoria['exportSeries']>> = []
      await eventuallyAsync(async () => {
        await vm.flush()
        lat = await vm.exportSeries('position_lat')
        return lat[0]?.timestamps.length === fixes.length
      })
      expect(lat).toHaveLength(1)
      expect(lat[0]?.metric).toEqual({ __name__: 'position_lat', ...place, src: 'gps' })
      // device ts, not receive time; each fix exactly once
      expect(lat[0]?.timestamps).toEqual(fixes.map((f) => f.ts))
      expect(lat[0]?.values.map((v) => v.toFixed(6))).toEqual(fixes.map((f) => f.lat.toFixed(6)))
      const acc = await vm.exportSeries('position_acc')
      expect(acc[0]?.values).toEqual(fixes.map(() => 10))

      const events = await vm.exportSeries('alarm_event_n{kind="sos"}')
      const byEvent = new Map(events.map((s) => [`${s.metric.event}/${s.metric.carer ?? ''}`, s]))
      for (const s of events) {
        expect(s.metric).toMatchObject({ ...place, kind: 'sos', priority: '1' })
        expect(s.metric).not.toHaveProperty('alarm_id')
      }
      expect(byEvent.get('raised/')?.timestamps).toEqual([t0])
      expect(byEvent.get('offered/C01')?.timestamps).toEqual([t0])
      expect(byEvent.get('accepted/C01')?.timestamps).toEqual([t0 + 30_000])
      expect(byEvent.get('arrived/C01')?.timestamps).toEqual([t0 + 5.5 * 60_000])
      expect(byEvent.get('resolved/C01')?.timestamps).toEqual([t0 + 15.5 * 60_000])
      const seqs = await vm.exportSeries('alarm_event_seq{kind="sos"}')
      const allSeqs = seqs.flatMap((s) => s.values).sort((a, b) => a - b)
      expect(allSeqs).toEqual(Array.from({ length: allSeqs.length }, (_, i) => i + 1))

      const response = { ...place, kind: 'sos', priority: '1', carer: 'C01', outcome: 'assisted' }
      const figures = Object.fromEntries(
        await Promise.all(
          ['accept_s', 'arrive_s', 'on_time', 'completed', 'escalated'].map(async (f) => {
            const [s] = await vm.exportSeries(`alarm_response_${f}`)
            expect(s?.metric).toEqual({ __name__: `alarm_response_${f}`, ...response })
            expect(s?.timestamps).toEqual([t0])
            return [f, s?.values[0]]
          }),
        ),
      )
      expect(figures).toEqual({ accept_s: 30, arrive_s: 330, on_time: 1, completed: 1, escalated: 0 })
    })

    it('writes device status as 1/0 online with battery, and vitals by the device ts', async () => {
      const device = await world.device('D02', 'E01')
      await device.publish('care/v1/dev/D02/status', { online: true, battery: 64 })
      const ts = world.clock.now() - 30_000
      await device.publish('care/v1/dev/D02/vitals', { ts, hr: 72, spo2: 97 })
      let online: Awaited<ReturnType<Victoria['exportSeries']>> = []
      await eventuallyAsync(async () => {
        await vm.flush()
        online = await vm.exportSeries('device_status_online{device="D02"}')
        return online.length === 1
      })
      expect(online[0]?.values).toEqual([1])
      expect(online[0]?.timestamps).toEqual([world.clock.now()])
      const [battery] = await vm.exportSeries('device_status_battery{device="D02"}')
      expect(battery?.values).toEqual([64])
      let hr: Awaited<ReturnType<Victoria['exportSeries']>> = []
      await eventuallyAsync(async () => {
        await vm.flush()
        hr = await vm.exportSeries('vitals_hr{device="D02"}')
        return hr.length === 1
      })
      expect(hr[0]?.metric).toMatchObject({
        elder: 'E01',
        street: 'Haifeng St',
        community: 'Dongguan',
        grid: 'G03',
      })
      expect([hr[0]?.values, hr[0]?.timestamps]).toEqual([[72], [ts]])
      const [spo2] = await vm.exportSeries('vitals_spo2{device="D02"}')
      expect(spo2?.values).toEqual([97])
    })
  },
)

async function eventuallyAsync(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out waiting for VictoriaMetrics')
    await new Promise((r) => setTimeout(r, 100))
  }
}
