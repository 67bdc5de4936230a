import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { actionBody, manualAlarmBody } from '../../gateway/api/routes/alarms.ts'
import { parsePayload } from '../../gateway/ingest/parse.ts'
import { carerBody, deviceBody, elderBody, userBody } from '../../gateway/registry/schemas.ts'
import { carerUplinks, deviceUplinks } from '../../kernel/contract/topics.ts'

const schemas = {
  ...Object.fromEntries(Object.entries(deviceUplinks).map(([k, v]) => [`dev/${k}`, v])),
  ...Object.fromEntries(Object.entries(carerUplinks).map(([k, v]) => [`carer/${k}`, v])),
  elderBody,
  deviceBody,
  carerBody,
  userBody,
  manualAlarmBody,
  actionBody,
}

/** Objects shaped like our payloads, with hostile values in the fields we read. */
const hostileValue = fc.oneof(
  fc.constantFrom(
    999,
    -999,
    Number.MAX_VALUE,
    -0,
    1e308,
    0,
    1,
    '',
    'x'.repeat(5_000),
    null,
    true,
    '__proto__',
  ),
  fc.double(),
  fc.integer(),
  fc.string(),
  fc.jsonValue({ maxDepth: 3 }),
)
const fieldNames = fc.constantFrom(
  'id',
  'ts',
  'lat',
  'lon',
  'acc',
  'type',
  'value',
  'status',
  'alarmId',
  'action',
  'outcome',
  'note',
  'hr',
  'spo2',
  'online',
  'battery',
  'name',
  'home',
  'kind',
  'elderId',
  'secret',
  'mode',
  'role',
  'password',
  'grid',
  'contacts',
  'fence',
  'test',
  'ref',
  '__proto__',
  'constructor',
)
const payloadLike = fc.dictionary(fieldNames, hostileValue, { maxKeys: 8 })

describe('every schema, against arbitrary input', () => {
  for (const [name, schema] of Object.entries(schemas)) {
    it(`${name}: never throws, and anything it accepts is a plain, bounded value`, () => {
      fc.assert(
        fc.property(fc.oneof(payloadLike, fc.jsonValue({ maxDepth: 4 }), fc.string()), (input) => {
          const text = typeof input === 'string' ? input : JSON.stringify(input)
          const parsed = parsePayload(schema, text)
          if (!parsed.ok) {
            expect(['invalid_json', 'invalid_payload']).toContain(parsed.reason)
            return
          }
          const out = parsed.value as Record<string, unknown>
          for (const key of ['lat', 'lon']) {
            const v = out[key]
            if (typeof v === 'number') expect(Math.abs(v)).toBeLessThanOrEqual(key === 'lat' ? 90 : 180)
          }
          expect(JSON.stringify(out).length).toBeLessThan(200_000)
        }),
        { numRuns: 300 },
      )
    })
  }

  it('never lets a coordinate of 999 through: refused where read, dropped where not', () => {
    for (const [name, schema] of Object.entries(schemas)) {
      const r = parsePayload(schema, JSON.stringify({ id: 'x', ts: 1_795_400_000_000, lat: 999, lon: 0 }))
      if (r.ok) expect((r.value as { lat?: unknown }).lat, name).toBeUndefined()
    }
    expect(
      parsePayload(deviceUplinks.sos, JSON.stringify({ id: 'x', ts: 1_795_400_000_000, lat: 999, lon: 0 }))
        .ok,
    ).toBe(false)
  })
})
