import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../gateway/store/db.ts'
import { SqliteVisits } from '../gateway/store/sqlite/visits.ts'
import { addDays, dayNumber } from '../gateway/visits/days.ts'
import type { Visit, VisitFlag } from '../gateway/visits/model.ts'
import { ADMIN_TOKEN, HOME, startWorld, type World } from '../tests/support/world.ts'
import { JFIF, jpeg, jpegSegment } from '../tests/visits/support/images.ts'
import { between, seededRandom } from './lib/prng.ts'

/**
 * The service ledger at the size of a county's year (docs/visits.md): BENCH_LEDGER_VISITS visits
 * (100,000) of BENCH_LEDGER_ELDERS elders (5,000) in 20 grids and 10 stations, written straight into
 * the store; then, through the HTTP API of a gateway on that store: the ledger's first page, a
 * filtered page, the whole ledger as CSV, GET /stats with its visit figures; and BENCH_PHOTOS
 * uploads of a 2 MB photo (checked, stripped, hashed, stored). The event loop's longest delay while
 * each runs is recorded (the figures are counted on a stats worker; the CSV export on the loop).
 * Prints a table and one JSON line. Not run in CI.
 */

const VISITS = Number(process.env.BENCH_LEDGER_VISITS ?? 100_000)
const ELDERS = Number(process.env.BENCH_LEDGER_ELDERS ?? 5_000)
const PHOTOS = Math.min(4, Number(process.env.BENCH_PHOTOS ?? 4))
const ZONE = 'Asia/Shanghai'
const random = seededRandom(11)
const risks = ['high', 'medium', 'low', 'safe'] as const

function elderCsv(): string {
  const lines = ['id,name,lat,lon,grid,risk']
  for (let i = 0; i < ELDERS; i++)
    lines.push(`LE${i},老人${i},${HOME.lat},${HOME.lon},海丰街道/东关社区/G${i % 20},${risks[i % 4]}`)
  return `${lines.join('\n')}\n`
}

/** A year of visits, most done on time, some late, some missed, a tenth reports outside the plan. */
function seed(dataDir: string, start: string): void {
  const store = new Store(join(dataDir, 'care.db'))
  store.open()
  const repo = new SqliteVisits(store)
  const base = Date.parse(`${start}T00:00:00+08:00`)
  for (let from = 0; from < VISITS; from += 10_000) {
    store.tx(() => {
      for (let i = from; i < Math.min(VISITS, from + 10_000); i++) {
        const e = i % ELDERS
        const day = addDays(start, Math.floor((i / VISITS) * 360))
        const roll = random()
        const planned = roll >= 0.1
        const status = !planned ? 'done' : roll < 0.17 ? 'missed' : roll < 0.2 ? 'due' : 'done'
        const late = planned && status === 'done' && roll < 0.28
        const at = base + (dayNumber(day) - dayNumber(start)) * 86_400_000 + 9 * 3_600_000
        const onSite = status === 'done' ? Math.round(between(random, 600, 3600)) : undefined
        const flags: VisitFlag[] = late ? ['late'] : []
        if (status === 'done' && random() < 0.05) flags.push('far')
        const grid = ['海丰街道', '东关社区', `G${e % 20}`]
        const v: Visit = {
          id: `BV${String(i).padStart(7, '0')}`,
          kind: planned ? 'planned' : 'call',
          status,
          elderId: `LE${e}`,
          risk: risks[e % 4] as Visit['risk'],
          grid,
          carerId: `BC${e % 200}`,
          stationId: `BS${e % 10}`,
          dueDay: day,
          photos: [],
          flags,
          createdAt: at,
          updatedAt: at,
        }
        if (status === 'done') {
          v.signIn = { at, lat: HOME.lat, lon: HOME.lon, distanceM: 20 }
          v.signOut = { at: at + (onSite ?? 0) * 1000 }
          if (onSite !== undefined) v.onSiteS = onSite
          v.report = { condition: random() < 0.9 ? 'well' : 'unwell', needs: random() < 0.1 ? ['meals'] : [] }
        }
        // one transaction per 10,000: each save joins the batch's (node:sqlite runs it at once)
        void repo.save(v)
      }
    })
  }
  store.close()
}

/**
 * A JPEG of about `bytes`: an APP1 Exif segment (removed on upload), then ICC profile segments (kept)
 * to make up the size, so the stored photo is as large as the upload. `n` makes each one different.
 */
function bigPhoto(bytes: number, n: number): Buffer {
  const filler: Buffer[] = []
  let size = 0
  while (size < bytes - 70_000) {
    const chunk = jpegSegment(
      0xe2,
      Buffer.concat([Buffer.from('ICC_PROFILE\0'), Buffer.alloc(64_000, 0x41 + n)]),
    )
    filler.push(chunk)
    size += chunk.length
  }
  const exif = jpegSegment(0xe1, Buffer.concat([Buffer.from('Exif\0\0'), Buffer.alloc(4_000, 0x47)]))
  return jpeg(JFIF, exif, ...filler)
}

/** The time `what` takes, and the event loop's longest stall meanwhile (a 2 ms ticker's worst lateness). */
async function timed<T>(what: () => Promise<T>): Promise<{ ms: number; loopMaxMs: number; value: T }> {
  let last = performance.now()
  let worst = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last - 2)
    last = now
  }, 2)
  const t0 = performance.now()
  const value = await what()
  const ms = performance.now() - t0
  clearInterval(ticker)
  worst = Math.max(worst, performance.now() - last - 2)
  return { ms: Math.round(ms * 10) / 10, loopMaxMs: Math.round(Math.max(0, worst) * 10) / 10, value }
}

async function get(world: World, url: string, token = ADMIN_TOKEN) {
  const res = await world.app.surface.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${token}` },
  })
  if (res.statusCode !== 200) throw new Error(`${url} → ${res.statusCode} ${res.body.slice(0, 200)}`)
  return res
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'care-bench-ledger-'))
  const env = { CARE_TIME_ZONE: ZONE, CARE_LOGINS_PER_MINUTE: '1000' }
  const first = await startWorld({ dataDir, keepData: true, env })
  const imported = await first.app.surface.inject({
    method: 'POST',
    url: '/api/v1/import?type=elders',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'text/csv' },
    payload: elderCsv(),
  })
  if (imported.statusCode !== 200) throw new Error(`import ${imported.statusCode}`)
  const start = '2025-01-06'
  await first.stop()
  const seeded = await timed(async () => seed(dataDir, start))
  const world = await startWorld({ dataDir, env, clockAt: Date.parse('2026-01-05T08:00:00Z') })
  try {
    const rows: Record<string, unknown>[] = []
    const page = await timed(() => get(world, '/api/v1/visits?limit=100'))
    rows.push({ step: 'ledger, first page of 100', ms: page.ms, loopMaxMs: page.loopMaxMs })
    const filtered = await timed(() =>
      get(
        world,
        `/api/v1/visits?limit=100&grid=${encodeURIComponent('海丰街道/东关社区/G7')}&stationId=BS7&from=2025-06-01&to=2025-06-30`,
      ),
    )
    rows.push({ step: 'ledger, one grid, station and month', ms: filtered.ms, loopMaxMs: filtered.loopMaxMs })
    const csv = await timed(() => get(world, '/api/v1/visits.csv'))
    rows.push({
      step: `ledger CSV, all ${VISITS} rows`,
      ms: csv.ms,
      loopMaxMs: csv.loopMaxMs,
      mb: Math.round(csv.value.rawPayload.length / 1e4) / 100,
    })
    const from = Date.parse(`${start}T00:00:00+08:00`)
    const stats = await timed(() => get(world, `/api/v1/stats?from=${from}&to=${from + 365 * 86_400_000}`))
    const summary = (stats.value.json() as { visits: { totals: { due: number; reports: number } } }).visits
      .totals
    rows.push({
      step: `GET /stats with the visit figures (${summary.due} due, ${summary.reports} reports)`,
      ms: stats.ms,
      loopMaxMs: stats.loopMaxMs,
    })

    // photos: a carer's phone session, a visit of theirs, a 2 MB picture
    await world.api('PUT', '/api/v1/carers/BC1', {
      name: '护理员',
      mode: 'ebike',
      secret: 'secret-BC1',
      base: HOME,
    })
    await world.api('PUT', '/api/v1/elders/LE1/visit-plan', { carerId: 'BC1' })
    const ahead = (await get(world, '/api/v1/visits?elderId=LE1&status=due&kind=planned')).json() as {
      items: Visit[]
    }
    const visitId = ahead.items[0]?.id
    const login = await world.api<{ token: string }>('POST', '/api/v1/auth/carer', {
      carerId: 'BC1',
      secret: 'secret-BC1',
    })
    const times: number[] = []
    let loopMax = 0
    let size = 0
    for (let i = 0; i < PHOTOS; i++) {
      // a different picture each time, so each is hashed and written anew
      const photo = bigPhoto(2 * 1024 * 1024 - 1024, i)
      size = photo.length
      const up = await timed(() =>
        world.app.surface.inject({
          method: 'POST',
          url: `/api/v1/visits/${visitId}/photos`,
          headers: { authorization: `Bearer ${login.body.token}`, 'content-type': 'image/jpeg' },
          payload: photo,
        }),
      )
      if (up.value.statusCode !== 201 && up.value.statusCode !== 409) throw new Error(up.value.body)
      times.push(up.ms)
      loopMax = Math.max(loopMax, up.loopMaxMs)
    }
    times.sort((a, b) => a - b)
    rows.push({
      step: `photo upload, ${(size / 1_048_576).toFixed(2)} MB (median of ${PHOTOS})`,
      ms: times[Math.floor(times.length / 2)],
      loopMaxMs: loopMax,
    })
    const out = (line: string) => process.stdout.write(`${line}\n`)
    out('| step | ms | event loop max (ms) |')
    out('|---|---:|---:|')
    out(`| seed ${VISITS} visits into the store | ${seeded.ms} | — |`)
    for (const r of rows) out(`| ${r.step} | ${r.ms} | ${r.loopMaxMs} |`)
    out(JSON.stringify({ bench: 'visits-ledger', visits: VISITS, elders: ELDERS, seedMs: seeded.ms, rows }))
  } finally {
    await world.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
