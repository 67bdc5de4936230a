import { createServer } from 'node:net'
import { DatabaseSync } from 'node:sqlite'
import mqtt, { type MqttClient } from 'mqtt'
import { type ChildGateway, spawnGateway } from '../support/child.ts'
import { ADMIN_TOKEN, HOME, offset } from '../support/world.ts'

/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface CrashRun {
  seed: number
  devices: number
  carers: number
  sos: number
  kills: number
  dataDir: string
}

export interface CrashOutcome {
  sent: number
  acked: Set<string>
  kills: number
  restartsMs: number[]
}

/**
 * Devices that behave as real ones do — QoS 1, reconnecting, sending again
 * what was not acknowledged — press SOS and sometimes cancel, carers accept
 * offers, while the gateway is killed with SIGKILL at seeded moments and
 * started again on the same ports and data.
 */
export async function crashRun(run: CrashRun): Promise<CrashOutcome> {
  const random = seeded(run.seed)
  const [httpPort, mqttPort] = [await freePort(), await freePort()]
  const env = {
    CARE_DATA_DIR: run.dataDir,
    CARE_ADMIN_TOKEN: ADMIN_TOKEN,
    CARE_FLOWS: 'off',
    CARE_HTTP_PORT: String(httpPort),
    CARE_MQTT_PORT: String(mqttPort),
    CARE_OFFER_TIMEOUT_S: '2',
    CARE_OFFER_TIMEOUT_LOW_S: '2',
  }
  let gateway: ChildGateway = await spawnGateway(env)
  const api = (method: string, path: string, body: unknown) =>
    fetch(`${gateway.httpUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  for (let i = 0; i < run.devices; i++) {
    const home = offset(HOME, (random() - 0.5) * 4_000, (random() - 0.5) * 4_000)
    await api('PUT', `/elders/E${i}x`, { name: `老人${i}`, home })
    await api('PUT', `/devices/D${i}x`, { kind: 'terminal', elderId: `E${i}x`, secret: `secret-D${i}x` })
  }
  for (let i = 0; i < run.carers; i++) {
    const base = offset(HOME, (random() - 0.5) * 3_000, (random() - 0.5) * 3_000)
    await api('PUT', `/carers/C${i}x`, { name: `护理员${i}`, mode: 'ebike', secret: `secret-C${i}x`, base })
  }

  const url = `mqtt://127.0.0.1:${mqttPort}`
  const connect = (id: string) =>
    mqtt.connect(url, {
      username: id,
      password: `secret-${id}`,
      clientId: `harness-${id}`,
      clean: false,
      reconnectPeriod: 200,
      connectTimeout: 2_000,
    })
  const carers: MqttClient[] = []
  for (let i = 0; i < run.carers; i++) {
    const id = `C${i}x`
    const c = connect(id)
    c.on('connect', () => {
      c.subscribe(`care/v1/carer/${id}/task`, { qos: 1 })
      c.publish(`care/v1/carer/${id}/duty`, JSON.stringify({ status: 'on' }), { qos: 1 })
    })
    c.on('message', (_t, payload) => {
      const task = JSON.parse(payload.toString()) as { action: string; alarmId: string }
      if (task.action !== 'offer' || random() < 0.3) return
      setTimeout(
        () =>
          c.publish(
            `care/v1/carer/${id}/reply`,
            JSON.stringify({ alarmId: task.alarmId, action: 'accept', ts: Date.now() }),
            { qos: 1 },
          ),
        Math.floor(random() * 300),
      )
    })
    carers.push(c)
  }
  const devices = Array.from({ length: run.devices }, (_, i) => connect(`D${i}x`))

  const acked = new Set<string>()
  let sent = 0
  const pending: Promise<void>[] = []
  const press = () => {
    const d = Math.floor(random() * run.devices)
    const id = `p${sent++}`
    const device = devices[d]
    if (!device) return
    const key = `D${d}x/${id}`
    pending.push(
      new Promise((resolve) => {
        device.publish(
          `care/v1/dev/D${d}x/sos`,
          JSON.stringify({ id, ts: Date.now() }),
          { qos: 1 },
          (error) => {
            if (!error) acked.add(key)
            resolve()
          },
        )
      }),
    )
    if (random() < 0.2) {
      device.publish(`care/v1/dev/D${d}x/cancel`, JSON.stringify({ id: `c${id}`, ts: Date.now(), ref: id }), {
        qos: 1,
      })
    }
  }

  // the load: presses spread over the run, kills at seeded moments in between
  const perKill = Math.ceil(run.sos / (run.kills + 1))
  const restartsMs: number[] = []
  for (let k = 0; k <= run.kills; k++) {
    for (let i = 0; i < perKill && sent < run.sos; i++) {
      press()
      if (random() < 0.3) await new Promise((r) => setTimeout(r, Math.floor(random() * 20)))
    }
    if (k === run.kills) break
    await new Promise((r) => setTimeout(r, Math.floor(random() * 250)))
    await gateway.kill()
    const t0 = performance.now()
    gateway = await spawnGateway(env)
    restartsMs.push(Math.round(performance.now() - t0))
  }
  // devices resend what was not acknowledged once they are back
  await Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 20_000))])
  await new Promise((r) => setTimeout(r, 500))
  await Promise.all([...devices, ...carers].map((c) => c.endAsync(true).catch(() => undefined)))
  await gateway.stop()
  return { sent, acked, kills: restartsMs.length, restartsMs }
}

export interface Audit {
  /** Acknowledged presses with no recorded message or no alarm. */
  lost: string[]
  /** Presses recorded twice, or alarms opened twice by one press. */
  doubled: string[]
  /** SOS alarms no recorded press points to. */
  orphans: string[]
  /** Accepted or arrived alarms without exactly one carer. */
  badAccepts: string[]
  /** Offered alarms without a pending offer (no deadline to re-arm). */
  noDeadline: string[]
}

export interface StoreCounts {
  /** SOS messages recorded (one per device and message id). */
  recorded: number
  /** Distinct alarms those messages opened (a repeat press on an open alarm joins it). */
  alarms: number
}

export function storeCounts(file: string): StoreCounts {
  const db = new DatabaseSync(file, { readOnly: true })
  try {
    const row = db
      .prepare(
        "SELECT count(*) AS recorded, count(DISTINCT alarm_id) AS alarms FROM device_messages WHERE topic = 'sos'",
      )
      .get() as { recorded: number; alarms: number }
    return { recorded: row.recorded, alarms: row.alarms }
  } finally {
    db.close()
  }
}

/** Read the store after the run and check every invariant. */
export function auditStore(file: string, acked: ReadonlySet<string>): Audit {
  const db = new DatabaseSync(file, { readOnly: true })
  try {
    const messages = db
      .prepare("SELECT device_id, msg_id, alarm_id FROM device_messages WHERE topic = 'sos'")
      .all() as { device_id: string; msg_id: string; alarm_id: string | null }[]
    const byKey = new Map<string, string | null>()
    const doubled: string[] = []
    for (const m of messages) {
      const key = `${m.device_id}/${m.msg_id}`
      if (byKey.has(key)) doubled.push(key)
      byKey.set(key, m.alarm_id)
    }
    const alarms = new Map(
      (
        db.prepare('SELECT id, kind, state, carer_id FROM alarms').all() as {
          id: string
          kind: string
          state: string
          carer_id: string | null
        }[]
      ).map((a) => [a.id, a]),
    )
    const lost = [...acked].filter((key) => {
      const alarmId = byKey.get(key)
      return alarmId === undefined || alarmId === null || !alarms.has(alarmId)
    })
    const pointed = new Set([...byKey.values()])
    const orphans = [...alarms.values()]
      .filter((a) => a.kind === 'sos' && !pointed.has(a.id))
      .map((a) => a.id)
    const badAccepts: string[] = []
    const noDeadline: string[] = []
    for (const a of alarms.values()) {
      const offers = db.prepare('SELECT status FROM offers WHERE alarm_id = ?').all(a.id) as {
        status: string
      }[]
      const accepted = offers.filter((o) => o.status === 'accepted').length
      if ((a.state === 'accepted' || a.state === 'arrived') && (!a.carer_id || accepted > 1))
        badAccepts.push(a.id)
      if (a.state === 'offered' && !offers.some((o) => o.status === 'pending')) noDeadline.push(a.id)
    }
    return { lost, doubled, orphans, badAccepts, noDeadline }
  } finally {
    db.close()
  }
}
