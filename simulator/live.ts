import mqtt, { type MqttClient } from 'mqtt'
import { seededRandom } from '../bench/lib/prng.ts'
import type {
  CancelPayload,
  EventPayload,
  LocPayload,
  ReplyPayload,
  SosPayload,
  StatusPayload,
  TaskMessage,
} from '../kernel/contract/payloads.ts'
import { topics } from '../kernel/contract/topics.ts'
import {
  defaultRates,
  gpsFix,
  happens,
  onShift,
  type Rates,
  replyToOffer,
  stroll,
  travelS,
} from './behaviour.ts'
import type { District, Point } from './district.ts'
import { SimWatch } from './watch.ts'

/**
 * The district living over MQTT: every device and carer phone is its own
 * client. Time runs `speed` times faster than the wall clock.
 */
export interface LiveOptions {
  mqttUrl: string
  /** The gateway's watch listener (`tcp://host:port`): the district's watches speak the "3G" protocol to it. */
  watchUrl?: string | undefined
  speed?: number
  rates?: Rates
  /** Real milliseconds between ticks. */
  tickMs?: number
  log?: (line: string) => void
}
export interface LiveStats {
  sos: number
  falls: number
  cancels: number
  locs: number
  offers: number
  accepted: number
  declined: number
  resolved: number
  /** Frames the watches sent over the "3G" protocol, and texts shown on their screens. */
  watchFrames: number
  watchMessages: number
}

function connect(url: string, id: string, secret: string): Promise<MqttClient> {
  const client = mqtt.connect(url, {
    username: id,
    password: secret,
    clientId: `sim-${id}`,
    reconnectPeriod: 1_000,
  })
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve(client))
    client.once('error', reject)
  })
}

export async function runDistrict(
  district: District,
  options: LiveOptions,
): Promise<{
  stats: LiveStats
  stop: () => Promise<void>
}> {
  const speed = options.speed ?? 60
  const rates = options.rates ?? defaultRates
  const tickMs = options.tickMs ?? 1_000
  const log = options.log ?? (() => {})
  const random = seededRandom(district.seed ^ 0x5eed)
  const stats: LiveStats = {
    sos: 0,
    falls: 0,
    cancels: 0,
    locs: 0,
    offers: 0,
    accepted: 0,
    declined: 0,
    resolved: 0,
    watchFrames: 0,
    watchMessages: 0,
  }
  const timers = new Set<NodeJS.Timeout>()
  const later = (simS: number, fn: () => void) => {
    const t = setTimeout(
      () => {
        timers.delete(t)
        fn()
      },
      (simS * 1000) / speed,
    )
    timers.add(t)
  }
  const json = (v: unknown) => JSON.stringify(v)
  const clients: MqttClient[] = []
  const watches: SimWatch[] = []
  const elderById = new Map(district.elders.map((e) => [e.id, e]))
  const watchAt = options.watchUrl ? new URL(options.watchUrl) : undefined
  const devices = await Promise.all(
    district.devices.map(async (d) => {
      const elder = elderById.get(d.elderId)
      const home = elder?.home ?? { lat: 0, lon: 0 }
      const battery = 60 + Math.round(random() * 40)
      const common = {
        device: d,
        home,
        at: home,
        wanders: elder?.wanders ?? false,
        sinceReport: random() * 60,
      }
      if (d.kind === 'watch' && watchAt) {
        const watch = new SimWatch({
          host: watchAt.hostname,
          port: Number(watchAt.port),
          id: d.id,
          onMessage: (text) => {
            stats.watchMessages++
            log(`watch ${d.id} shows: ${text}`)
          },
        })
        await watch.start()
        watches.push(watch)
        watch.heartbeat(0, battery)
        stats.watchFrames++
        return { ...common, watch, client: undefined, battery }
      }
      const client = await connect(options.mqttUrl, d.id, d.secret)
      clients.push(client)
      const status: StatusPayload = { online: true, battery, fw: 'sim-1' }
      client.publish(topics.deviceUplink(d.id, 'status'), json(status), { qos: 1, retain: false })
      return { ...common, watch: undefined, client, battery }
    }),
  )
  const carers = await Promise.all(
    district.carers.map(async (c) => {
      const client = await connect(options.mqttUrl, c.id, c.secret)
      clients.push(client)
      await client.subscribeAsync(topics.carerTask(c.id), { qos: 1 })
      const state = { carer: c, client, at: c.base as Point, busy: false, duty: false }
      client.on('message', (_topic, payload) => {
        const task = JSON.parse(payload.toString()) as TaskMessage
        if (task.action === 'offer') {
          stats.offers++
          const choice = replyToOffer(random, rates)
          later(choice.afterS, () => {
            const reply: ReplyPayload = { alarmId: task.alarmId, action: choice.action, ts: Date.now() }
            client.publish(topics.carerUplink(c.id, 'reply'), json(reply), { qos: 1 })
            if (choice.action === 'decline') stats.declined++
          })
        } else if (task.action === 'assigned' && !state.busy) {
          stats.accepted++
          state.busy = true
          const to = { lat: task.elder.lat, lon: task.elder.lon }
          later(travelS(c.mode, state.at, to), () => {
            state.at = to
            const arrive: ReplyPayload = { alarmId: task.alarmId, action: 'arrive', ts: Date.now(), ...to }
            client.publish(topics.carerUplink(c.id, 'reply'), json(arrive), { qos: 1 })
            later(300 + random() * 900, () => {
              const outcome = random() < 0.8 ? 'assisted' : 'false_alarm'
              const done: ReplyPayload = { alarmId: task.alarmId, action: 'resolve', ts: Date.now(), outcome }
              client.publish(topics.carerUplink(c.id, 'reply'), json(done), { qos: 1 })
              stats.resolved++
              state.busy = false
              log(`${c.name} resolved ${task.alarmId} (${outcome})`)
            })
          })
        }
      })
      return state
    }),
  )
  const simStart = Date.now()
  let msgId = 0
  const tick = () => {
    const dtS = (tickMs / 1000) * speed
    const hour = new Date(simStart + (Date.now() - simStart) * speed).getHours()
    for (const c of carers) {
      const duty = onShift(c.carer.shift, hour)
      if (duty !== c.duty) {
        c.duty = duty
        c.client.publish(topics.carerUplink(c.carer.id, 'duty'), json({ status: duty ? 'on' : 'off' }), {
          qos: 1,
        })
      }
      if (duty && !c.busy)
        c.client.publish(topics.carerUplink(c.carer.id, 'loc'), json({ ts: Date.now(), ...c.at }))
    }
    for (const d of devices) {
      d.at = stroll(random, d.home, d.at, d.wanders)
      d.sinceReport += dtS
      if (d.watch) {
        watchTick(d.watch, d, dtS)
        continue
      }
      if (d.sinceReport >= d.device.intervalS) {
        d.sinceReport = 0
        const fix = gpsFix(random, d.at, rates)
        if (fix) {
          const loc: LocPayload = { ts: Date.now(), ...fix, src: 'gps' }
          d.client.publish(topics.deviceUplink(d.device.id, 'loc'), json(loc))
          stats.locs++
        }
      }
      if (happens(random, rates.sosPerHour, dtS)) {
        const id = `s${++msgId}`
        const sos: SosPayload = { id, ts: Date.now(), ...d.at }
        d.client.publish(topics.deviceUplink(d.device.id, 'sos'), json(sos), { qos: 1 })
        stats.sos++
        log(`SOS from ${d.device.elderId} (${d.device.id})`)
        if (random() < rates.falsePressShare) {
          later(5 + random() * 10, () => {
            const cancel: CancelPayload = { id: `c${++msgId}`, ts: Date.now(), ref: id }
            d.client.publish(topics.deviceUplink(d.device.id, 'cancel'), json(cancel), { qos: 1 })
            stats.cancels++
          })
        }
      } else if (happens(random, rates.fallsPerHour, dtS)) {
        const fall: EventPayload = { id: `f${++msgId}`, ts: Date.now(), type: 'fall', ...d.at }
        d.client.publish(topics.deviceUplink(d.device.id, 'event'), json(fall), { qos: 1 })
        stats.falls++
      }
    }
  }
  /** A watch's tick: a report each interval (its cell when it has no fix), the SOS key, a fall. */
  const watchTick = (watch: SimWatch, d: (typeof devices)[number], dtS: number) => {
    if (d.sinceReport >= d.device.intervalS) {
      d.sinceReport = 0
      const fix = gpsFix(random, d.at, rates)
      watch.report(fix, d.battery, Math.round(random() * 5_000))
      watch.heartbeat(0, d.battery)
      stats.watchFrames += 2
      if (fix) stats.locs++
    }
    if (happens(random, rates.sosPerHour, dtS)) {
      // indoors a watch often has no fix: the gateway sends help to the elder's home
      watch.sos(gpsFix(random, d.at, rates), d.battery)
      stats.sos++
      stats.watchFrames++
      log(`SOS from ${d.device.elderId} (watch ${d.device.id})`)
    } else if (happens(random, rates.fallsPerHour, dtS)) {
      watch.fall(gpsFix(random, d.at, rates), d.battery)
      stats.falls++
      stats.watchFrames++
    }
  }
  const interval = setInterval(tick, tickMs)
  tick()
  return {
    stats,
    async stop() {
      clearInterval(interval)
      for (const t of timers) clearTimeout(t)
      for (const w of watches) w.stop()
      await Promise.all(clients.map((c) => c.endAsync(true)))
    },
  }
}
