import mqtt, { type MqttClient } from 'mqtt'
import type pg from 'pg'

/**
 * Who acts on the cluster during a crash run (cluster-harness.ts): devices pressing SOS, carers'
 * phones, the dispatch centre; and a watcher of the lanes. All of them reach the nodes the way
 * real ones do — MQTT through HAProxy, HTTP to a node that is up — and none waits for the others.
 */

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, ms)))

/** An MQTT client as a device or phone has one: a persistent session, reconnecting at once. */
export function connector(url: string, clients: MqttClient[]): (id: string) => MqttClient {
  return (id) => {
    const client = mqtt.connect(url, {
      username: id,
      password: `secret-${id}`,
      clientId: `cluster-crash-${id}`,
      clean: false,
      reconnectPeriod: 200,
      connectTimeout: 2_000,
    })
    // a dead node's connection may end in an error; the client connects again by itself
    client.on('error', () => undefined)
    clients.push(client)
    return client
  }
}

/**
 * The elders' SOS buttons: QoS 1, and what is not acknowledged is sent again by the client on its
 * next connection (mqtt.js keeps it), as a device does. Now and then the elder cancels a press a
 * little later, sometimes within the grace, sometimes after another press joined in.
 */
export class Buttons {
  readonly acked = new Set<string>()
  sent = 0
  readonly #clients: MqttClient[]
  readonly #random: () => number
  readonly #pending: Promise<void>[] = []

  constructor(clients: MqttClient[], random: () => number) {
    this.#clients = clients
    this.#random = random
  }

  connected(): boolean {
    return this.#clients.every((c) => c.connected)
  }

  press(): void {
    const d = Math.floor(this.#random() * this.#clients.length)
    const client = this.#clients[d] as MqttClient
    const id = `p${this.sent++}`
    const body = JSON.stringify({ id, ts: Date.now() })
    this.#pending.push(
      new Promise((resolve) => {
        client.publish(`care/v1/dev/D${d}k/sos`, body, { qos: 1 }, (error) => {
          if (!error) this.acked.add(`D${d}k/${id}`)
          resolve()
        })
      }),
    )
    if (this.#random() < 0.15) {
      const cancel = JSON.stringify({ id: `c${id}`, ts: Date.now(), ref: id })
      const later = this.#random() * 3_000
      setTimeout(() => client.publish(`care/v1/dev/D${d}k/cancel`, cancel, { qos: 1 }), later)
    }
  }

  /** Every press acknowledged, or `ms` gone. */
  async acknowledged(ms: number): Promise<void> {
    await Promise.race([Promise.all(this.#pending), sleep(ms)])
  }
}

/**
 * A carer's phone: on duty at every connection (subscribing again brings its open work back);
 * each offer accepted with even odds a seeded while later — now and then too late — or left to
 * run out; an alarm it holds is arrived at and resolved a little later. One alarm at a time.
 */
export function carerPhone(
  client: MqttClient,
  id: string,
  random: () => number,
  offerTimeoutS: number,
): void {
  const decided = new Set<string>()
  let holding: string | undefined
  const reply = (alarmId: string, action: string, extra: Record<string, unknown> = {}) =>
    client.publish(
      `care/v1/carer/${id}/reply`,
      JSON.stringify({ alarmId, action, ts: Date.now(), ...extra }),
      { qos: 1 },
    )
  client.on('connect', () => {
    client.subscribe(`care/v1/carer/${id}/task`, { qos: 1 })
    client.publish(`care/v1/carer/${id}/duty`, JSON.stringify({ status: 'on' }), { qos: 1 })
  })
  client.on('message', (_topic, payload) => {
    const task = JSON.parse(payload.toString()) as {
      action: string
      alarmId: string
      elder: { lat: number; lon: number }
    }
    switch (task.action) {
      case 'offer': {
        if (decided.has(task.alarmId)) return
        decided.add(task.alarmId)
        if (holding !== undefined || random() < 0.5) return
        setTimeout(() => reply(task.alarmId, 'accept'), random() * offerTimeoutS * 1_100)
        return
      }
      case 'assigned': {
        if (holding === task.alarmId) return
        holding = task.alarmId
        const at = { lat: task.elder.lat, lon: task.elder.lon }
        setTimeout(() => reply(task.alarmId, 'arrive', at), 300 + random() * 1_500)
        setTimeout(
          () => {
            reply(task.alarmId, 'resolve', { outcome: 'assisted' })
            if (holding === task.alarmId) holding = undefined
          },
          2_000 + random() * 1_500,
        )
        return
      }
      case 'withdrawn':
        if (holding === task.alarmId) holding = undefined
        return
    }
  })
}

/**
 * The dispatch centre: an alarm escalated to it (no carer took it) is closed a seeded while later,
 * through whichever node is up (`act` answers whether the node took it); tried again if not.
 */
export async function centreDesk(
  db: pg.Client,
  act: (path: string, body: unknown) => Promise<boolean>,
  random: () => number,
  [min, max]: readonly [number, number],
  count: { closed: number },
  stopped: () => boolean,
): Promise<void> {
  const due = new Map<string, number>()
  while (!stopped()) {
    const { rows } = await db.query<{ id: string }>(
      "SELECT id FROM alarms WHERE state = 'open' AND escalated = 1",
    )
    const now = Date.now()
    for (const { id } of rows) {
      if (!due.has(id)) due.set(id, now + min + random() * (max - min))
      if ((due.get(id) ?? now) > now) continue
      const body = { action: 'resolve', outcome: 'other', note: 'closed by the centre' }
      if (await act(`/alarms/${id}/actions`, body)) count.closed++
    }
    await sleep(500)
  }
}

/**
 * The lanes' holders, read every 150 ms: a lane passing from a node that is down (`downBy` names
 * the kill that took it down) to another node is a takeover of that kill.
 */
export async function watchLanes(
  db: pg.Client,
  downBy: (node: string) => number | undefined,
  seen: { takeovers: Set<number>; lanes: number },
  stopped: () => boolean,
): Promise<void> {
  const holder = new Map<number, string>()
  while (!stopped()) {
    const { rows } = await db.query<{ lane: number; node: string | null }>(
      'SELECT lane, node FROM cluster_lanes',
    )
    for (const { lane, node } of rows) {
      if (node === null) continue
      const before = holder.get(lane)
      holder.set(lane, node)
      const kill = before === undefined ? undefined : downBy(before)
      if (before !== node && kill !== undefined) {
        seen.takeovers.add(kill)
        seen.lanes++
      }
    }
    await sleep(150)
  }
}
