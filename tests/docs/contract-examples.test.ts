import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { alarmKinds, timelineTypes } from '../../gateway/alarms/model.ts'
import { actionBody, manualAlarmBody } from '../../gateway/api/routes/alarms.ts'
import { configSchema, envName } from '../../gateway/config.ts'
import { carerBody, deviceBody, elderBody, serviceBody, userBody } from '../../gateway/registry/schemas.ts'
import { type NotifyMessage, outcomes, type TaskMessage } from '../../kernel/contract/payloads.ts'
import { carerUplinks, deviceUplinks } from '../../kernel/contract/topics.ts'
import { randomIds } from '../../kernel/ports/ids.ts'
import {
  Bindings,
  expectLike,
  instantOf,
  isRecord,
  jsonExamples,
  type Step,
  section,
  tableRows,
  VISIT_ID,
  type Walkthrough,
  walkthroughs,
} from '../support/doc-examples.ts'
import { TestClient } from '../support/mqtt.ts'
import { ADMIN_TOKEN, startWorld, type World } from '../support/world.ts'

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'contract.md'), 'utf8')
const examples = jsonExamples(doc)
const stories = walkthroughs(doc)

function example(name: string): Record<string, unknown> {
  const value = examples.get(name)
  if (!isRecord(value)) throw new Error(`docs/contract.md has no JSON object example=${name}`)
  return structuredClone(value)
}

/** What clients send, and the schema the gateway checks it with. */
const inbound: Record<string, z.ZodType> = {
  elder: elderBody,
  device: deviceBody,
  carer: carerBody,
  'carer-2': carerBody,
  user: userBody,
  'user-carer': userBody,
  'user-supervisor': userBody,
  service: serviceBody,
  sos: deviceUplinks.sos,
  'sos-no-fix': deviceUplinks.sos,
  'sos-test': deviceUplinks.sos,
  loc: deviceUplinks.loc,
  event: deviceUplinks.event,
  'event-smoke': deviceUplinks.event,
  vitals: deviceUplinks.vitals,
  status: deviceUplinks.status,
  'status-will': deviceUplinks.status,
  cancel: deviceUplinks.cancel,
  'carer-loc': carerUplinks.loc,
  'carer-loc-2': carerUplinks.loc,
  'carer-duty': carerUplinks.duty,
  'reply-accept': carerUplinks.reply,
  'reply-decline': carerUplinks.reply,
  'reply-late': carerUplinks.reply,
  'reply-arrive': carerUplinks.reply,
  'reply-resolve': carerUplinks.reply,
  'manual-alarm': manualAlarmBody,
  'action-assign': actionBody,
  'action-resolve': actionBody,
}
/** Examples of what the gateway turns down. */
const refused: Record<string, z.ZodType> = { 'loc-bad': deviceUplinks.loc }

// Type-checked against the contract's types: a new state or action fails to compile until listed here.
const notifyStates: Record<NotifyMessage['state'], true> = {
  received: true,
  assigned: true,
  arrived: true,
  resolved: true,
  cancelled: true,
  test_ok: true,
}
const taskActions: Record<TaskMessage['action'], true> = {
  offer: true,
  assigned: true,
  withdrawn: true,
  reminder: true,
}

describe('docs/contract.md', () => {
  it.each(Object.entries(inbound))('example=%s passes the gateway’s validation', (name, schema) => {
    const result = schema.safeParse(example(name))
    expect(result.error?.issues ?? [], name).toEqual([])
  })

  it.each(Object.entries(refused))('example=%s fails it, as the text says', (name, schema) => {
    expect(schema.safeParse(example(name)).success).toBe(false)
  })

  it('shows an example of every device and carer uplink', () => {
    const shown = new Set(Object.values(inbound))
    for (const [leaf, schema] of Object.entries(deviceUplinks))
      expect(shown.has(schema), `dev ${leaf}`).toBe(true)
    for (const [leaf, schema] of Object.entries(carerUplinks))
      expect(shown.has(schema), `carer ${leaf}`).toBe(true)
  })

  it('shows a received example of every notify state, and names every task action', () => {
    const received = stories.flatMap((w) => w.steps.filter((s) => s.verb === 'gets').map((s) => s.args[1]))
    const states = received.flatMap((name) => (name && examples.has(name) ? [example(name).state] : []))
    for (const state of Object.keys(notifyStates)) expect(states, `notify ${state}`).toContain(state)
    for (const action of Object.keys(taskActions)) expect(doc).toContain(`| \`${action}\` |`)
  })

  it('names every alarm kind, timeline entry type and outcome', () => {
    for (const word of [...alarmKinds, ...timelineTypes, ...outcomes]) expect(doc).toContain(`\`${word}\``)
    const timeline = tableRows(section(doc, 'Timeline')).map((row) => row[0])
    expect(timeline.sort()).toEqual([...timelineTypes].sort())
    const kinds = tableRows(section(doc, 'Kinds and priorities')).map((row) => row[0])
    expect(kinds.filter((k) => k?.match(/^[a-z_]+$/)).sort()).toEqual([...alarmKinds].sort())
  })

  it('lists every configuration variable with its default', () => {
    const rows = new Map(tableRows(section(doc, 'Configuration')).map(([name, value]) => [name, value]))
    const defaults = configSchema.parse({}) as Record<string, unknown>
    const names = Object.keys(configSchema.shape).map(envName)
    expect([...rows.keys()].sort()).toEqual(names.sort())
    for (const key of Object.keys(configSchema.shape)) {
      const value = defaults[key]
      expect(rows.get(envName(key)), envName(key)).toBe(value === undefined ? 'unset' : String(value))
    }
  })

  it('runs every example it shows', () => {
    const used = new Set([...Object.keys(inbound), ...Object.keys(refused)])
    for (const step of stories.flatMap((w) => w.steps)) for (const arg of step.args) used.add(arg)
    expect([...examples.keys()].filter((name) => !used.has(name))).toEqual([])
  })
})

/** Replays a walkthrough's steps against a live gateway. */
class Replay {
  readonly bindings = new Bindings()
  readonly #world: World
  readonly #clients = new Map<string, TestClient>()
  readonly #tokens = new Map<string, string>([['admin', ADMIN_TOKEN]])
  /** Per client, the first message that counts for the next `gets`: what came after the last action. */
  readonly #since = new Map<TestClient, number>()
  readonly #consumed = new WeakSet<object>()

  constructor(world: World) {
    this.#world = world
  }

  async run(w: Walkthrough): Promise<void> {
    for (const step of w.steps) {
      const where = `docs/contract.md line ${step.line}: ${step.text}`
      if (step.at) await this.#moveTo(instantOf(w, step.at), where)
      try {
        await this.#step(step, where)
      } catch (error) {
        throw new Error(`${where}\n${(error as Error).message}`, { cause: error })
      }
    }
  }

  async #moveTo(at: number, where: string): Promise<void> {
    const now = this.#world.clock.now()
    if (at < now) throw new Error(`${where}: the clock cannot go back`)
    await this.#world.scheduler.advance(at - now)
  }

  async #step(step: Step, where: string): Promise<void> {
    const [first = '', second, third] = step.args
    switch (step.verb) {
      case 'connect':
        return this.#connect(step.actor, first, Number(second ?? 0))
      case 'sub':
        expect(await this.#client(step.actor).subscribe(first)).toEqual([Number(second ?? 1)])
        return
      case 'pub':
        return this.#publish(step.actor, first, second ?? '', third, where)
      case 'gets':
        return this.#gets(step.actor, first, second ?? '', where)
      case 'GET':
      case 'PUT':
      case 'POST':
      case 'PATCH':
        return this.#http(step, where)
      default:
        throw new Error(`unknown verb ${step.verb}`)
    }
  }

  async #connect(id: string, secretFrom: string, refusal: number): Promise<void> {
    const password = examples.has(secretFrom) ? String(example(secretFrom).secret) : secretFrom
    if (refusal === 0) {
      const client = await TestClient.connect(this.#world.mqttUrl, id, password)
      this.#world.clients.push(client)
      this.#clients.set(id, client)
      return
    }
    expect(await connack(this.#world.mqttUrl, id, password)).toBe(refusal)
  }

  async #publish(id: string, topic: string, name: string, outcome: string | undefined, where: string) {
    const client = this.#client(id)
    const body = this.bindings.apply(example(name))
    this.#markAll()
    if (outcome === 'closed') {
      const closed = new Promise<void>((resolve) => client.client.once('close', () => resolve()))
      client.publish(topic, body).catch(() => undefined)
      await closed
      this.#clients.delete(id)
      return
    }
    const metrics = this.#world.app.surface.metrics
    const rejected = metrics.total('care_uplinks_rejected_total')
    if (outcome !== 'dropped' && typeof body.ts === 'number') {
      expect(body.ts, `${where}: ts is the step's time`).toBe(this.#world.clock.now())
    }
    await client.publish(topic, body)
    expect(metrics.total('care_uplinks_rejected_total') - rejected, where).toBe(outcome === 'dropped' ? 1 : 0)
    expect(client.client.connected).toBe(true)
  }

  async #gets(id: string, topic: string, what: string, where: string): Promise<void> {
    const client = this.#client(id)
    const since = this.#since.get(client) ?? 0
    const [key, value] = what.split('=')
    const documented = value === undefined ? example(what) : undefined
    const fits = (message: Record<string, unknown>): boolean => {
      if (!documented) return key !== undefined && message[key] === value
      if (!this.bindings.admits(documented.alarmId, message.alarmId)) return false
      return ['state', 'action', 'type'].every((k) => !(k in documented) || documented[k] === message[k])
    }
    const got = await client.next(
      (r) =>
        r.topic === topic && !this.#consumed.has(r) && client.received.indexOf(r) >= since && fits(r.message),
      3_000,
      where,
    )
    this.#consumed.add(got)
    if (documented) expectLike(got.message, documented, this.bindings, where)
  }

  async #http(step: Step, where: string): Promise<void> {
    const [path = '', ...rest] = step.args
    const bodyName = rest[0] !== undefined && !/^\d{3}$/.test(rest[0]) ? rest.shift() : undefined
    const [status, responseName] = rest
    const body = bodyName ? this.bindings.apply(example(bodyName)) : undefined
    const token = step.actor === 'anyone' ? undefined : this.#tokens.get(step.actor)
    if (step.actor !== 'anyone' && !token) throw new Error(`${step.actor} has not logged in`)
    this.#markAll()
    const res = await this.#world.app.surface.inject({
      method: step.verb as 'GET' | 'PUT' | 'POST' | 'PATCH',
      url: this.bindings.apply(path),
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(body ? { payload: body } : {}),
    })
    const answer = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {}
    expect(res.statusCode, `${where}\n${res.body}`).toBe(Number(status))
    if (responseName) expectLike(answer, example(responseName), this.bindings, where)
    if (path.endsWith('/auth/login') && body && typeof answer.token === 'string') {
      this.#tokens.set(String(body.username), answer.token)
    }
    // a carer's phone session: the carer id acts with it from then on
    if (path.endsWith('/auth/carer') && body && typeof answer.token === 'string') {
      this.#tokens.set(String(body.carerId), answer.token)
    }
  }

  #client(id: string): TestClient {
    const client = this.#clients.get(id)
    if (!client) throw new Error(`${id} is not connected`)
    return client
  }

  #markAll(): void {
    for (const client of this.#clients.values()) this.#since.set(client, client.received.length)
  }
}

/** The CONNACK return code a connection attempt gets, 0 when accepted. */
function connack(url: string, username: string, password: string): Promise<number> {
  const client = mqtt.connect(url, { username, password, reconnectPeriod: 0, connectTimeout: 5_000 })
  return new Promise((resolve) => {
    client.once('connect', () => resolve(0))
    client.once('error', (error) => resolve((error as { code?: number }).code ?? -1))
  }).finally(() => client.end(true)) as Promise<number>
}

describe('the walkthroughs, replayed against a gateway', () => {
  let world: World
  let replay: Replay
  beforeAll(async () => {
    world = await startWorld()
    replay = new Replay(world)
  })
  afterAll(async () => {
    await world.stop()
  })

  it.each(stories.map((w) => [w.name, w] as const))('%s', async (_name, w) => {
    await replay.run(w)
  })

  it('lists every HTTP route with the roles that may call it', () => {
    const documented = new Map<string, string>()
    for (const [routes = '', roles = ''] of tableRows(section(doc, 'Routes'))) {
      const who = [...roles.matchAll(/\b(anyone|admin|dispatcher|supervisor|carer)\b/g)].map((m) => m[1])
      for (const [route] of routes.matchAll(/(GET|PUT|POST|DELETE|PATCH) \/\S+/g)) {
        documented.set(route.replace(/,$/, ''), who.sort().join(' '))
      }
    }
    const served = new Map(
      world.app.surface
        .routes()
        .filter((r) => r.url.startsWith('/api/v1/'))
        .map((r) => [
          `${r.method} ${r.url.slice('/api/v1'.length).replace(/:(\w+)/g, '{$1}')}`,
          r.roles === 'public' ? 'anyone' : [...r.roles].sort().join(' '),
        ]),
    )
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(served))
  })

  it('shows alarm and visit ids as the gateway makes them, from the time raised or made', async () => {
    expect(replay.bindings.ids.size).toBeGreaterThan(0)
    for (const [shown, actual] of replay.bindings.ids) {
      if (shown.startsWith('V')) {
        const res = await world.api<{ createdAt: number }>('GET', `/api/v1/visits/${actual}`)
        expect(shown.slice(0, 16), shown).toBe(actual.slice(0, 16))
        expect(shown).toMatch(VISIT_ID)
        expect(res.status).toBe(200)
        continue
      }
      const res = await world.api<{ raisedAt: number }>('GET', `/api/v1/alarms/${actual}`)
      expect(shown.slice(0, 16), shown).toBe(randomIds.alarmId(res.body.raisedAt).slice(0, 16))
    }
  })
})
