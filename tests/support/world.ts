import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { App } from '../../gateway/app.ts'
import { loadConfig } from '../../gateway/config.ts'
import type { DispatchRules } from '../../gateway/dispatch/types.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import { ManualClock } from '../../kernel/ports/clock.ts'
import { sequentialIds } from '../../kernel/ports/ids.ts'
import { ManualScheduler } from '../../kernel/ports/scheduler.ts'
import { settled } from './barrier.ts'
import { TestClient } from './mqtt.ts'
import { onPostgres, worldDatabase } from './world-store.ts'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'
/** Binzhou, Shandong: where the test district lives. */
export const HOME = { lat: 37.3835, lon: 117.9707 }

/** A point `northM` metres north and `eastM` metres east of `p`. */
export function offset(
  p: { lat: number; lon: number },
  northM: number,
  eastM: number,
): { lat: number; lon: number } {
  const dLat = northM / 111_320
  const dLon = eastM / (111_320 * Math.cos((p.lat * Math.PI) / 180))
  return { lat: p.lat + dLat, lon: p.lon + dLon }
}

export interface World {
  app: App
  clock: ManualClock
  scheduler: ManualScheduler
  dataDir: string
  mqttUrl: string
  api<T = Record<string, unknown>>(
    method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'PATCH',
    url: string,
    body?: unknown,
    token?: string,
  ): Promise<{ status: number; body: T }>
  elder(id: string, over?: Record<string, unknown>): Promise<void>
  device(id: string, elderId: string, over?: Record<string, unknown>): Promise<TestClient>
  carer(id: string, at: { lat: number; lon: number }, over?: Record<string, unknown>): Promise<TestClient>
  clients: TestClient[]
  /** Proves quiet: every downlink the gateway sent these clients so far has arrived (support/barrier.ts). */
  settled(...clients: TestClient[]): Promise<void>
  /**
   * The store's file, opened by the test beside the gateway (WAL lets a reader and a writer in), to
   * check or set up rows as an outside observer would; closed with the world.
   */
  db(): DatabaseSync
  stop(): Promise<void>
}

export interface WorldOptions {
  env?: Record<string, string>
  rules?: Partial<DispatchRules>
  dataDir?: string
  keepData?: boolean
  /** A logger of the test's own (e.g. writing to memory); silent otherwise. */
  log?: Logger
  /** Where the manual clock starts (a restarted world goes on from where the first one stopped). */
  clockAt?: number
  /** Prefix of the predictable alarm ids (a restarted world must not reuse the first one's). */
  idPrefix?: string
}

/** Where every world's manual clock starts unless told otherwise: a Monday, 08:00 UTC. */
export const WORLD_START = Date.UTC(2026, 0, 5, 8, 0, 0)

/** A whole gateway on loopback (real Aedes, real SQLite file), with a manual clock for its deadlines. */
export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'care-test-'))
  const config = loadConfig({
    env: {
      CARE_HTTP_PORT: '0',
      CARE_MQTT_PORT: '0',
      CARE_DATA_DIR: dataDir,
      CARE_ADMIN_TOKEN: ADMIN_TOKEN,
      CARE_LOG_LEVEL: process.env.WORLD_LOG ?? 'silent',
      CARE_FLOWS: 'off',
      ...(await worldDatabase(dataDir)),
      ...options.env,
    },
    file: join(dataDir, 'no-config.json'),
  })
  const clock = new ManualClock(options.clockAt ?? WORLD_START)
  const scheduler = new ManualScheduler(clock)
  const app = new App({
    config,
    clock,
    scheduler,
    ids: sequentialIds(options.idPrefix),
    ...(options.log ? { log: options.log } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
  })
  await app.start()
  const mqttUrl = `mqtt://127.0.0.1:${app.surface.ports.mqtt}`
  const clients: TestClient[] = []
  let db: DatabaseSync | undefined

  const api: World['api'] = async (method, url, body, token = ADMIN_TOKEN) => {
    const res = await app.surface.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}` },
      ...(body !== undefined ? { payload: body as Record<string, unknown> } : {}),
    })
    return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined }
  }

  const must = async (method: 'PUT', url: string, body: unknown) => {
    const res = await api(method, url, body)
    if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`)
  }

  const world: World = {
    app,
    clock,
    scheduler,
    dataDir,
    mqttUrl,
    api,
    clients,
    settled: (...those) => settled(app.surface, ...those),
    db() {
      if (onPostgres) throw new Error('world.db() reads the SQLite file: this test cannot run on PostgreSQL')
      if (!db) {
        db = new DatabaseSync(join(dataDir, 'care.db'))
        db.exec('PRAGMA busy_timeout = 5000')
      }
      return db
    },
    async elder(id, over = {}) {
      await must('PUT', `/api/v1/elders/${id}`, {
        name: `老人${id}`,
        phone: '13800000000',
        address: '滨州市无棣县海丰街道12号',
        grid: ['Haifeng St', 'Dongguan', 'G03'],
        home: HOME,
        risk: 'medium',
        contacts: [{ name: '子女', relation: 'son', phone: '13900000000' }],
        ...over,
      })
    },
    async device(id, elderId, over = {}) {
      await must('PUT', `/api/v1/devices/${id}`, { kind: 'phone', elderId, secret: `secret-${id}`, ...over })
      const client = await TestClient.connect(mqttUrl, id, `secret-${id}`)
      await client.subscribe(`care/v1/dev/${id}/notify`)
      clients.push(client)
      return client
    },
    async carer(id, at, over = {}) {
      await must('PUT', `/api/v1/carers/${id}`, {
        name: `护理员${id}`,
        phone: '13700000000',
        mode: 'ebike',
        secret: `secret-${id}`,
        base: at,
        ...over,
      })
      const client = await TestClient.connect(mqttUrl, id, `secret-${id}`)
      await client.subscribe(`care/v1/carer/${id}/task`)
      clients.push(client)
      // on duty and positioned through the contract, as a phone would
      await client.publish(`care/v1/carer/${id}/duty`, { status: 'on' })
      await client.publish(`care/v1/carer/${id}/loc`, { ts: clock.now(), lat: at.lat, lon: at.lon })
      const seen = app.surface.carer(id)?.position
      if (app.surface.carer(id)?.duty !== 'on' || seen?.lat !== at.lat)
        throw new Error(`carer ${id} not on duty`)
      return client
    },
    async stop() {
      db?.close()
      db = undefined
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
      await app.stop()
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return world
}
