import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { parsePayload } from '../../gateway/ingest/parse.ts'
import { locPayload, sosPayload } from '../../kernel/contract/payloads.ts'

/**
 * `reason` is the label of the dropped-payload counter and `detail` is what
 * the log line says, so operators read both: they are asserted word for word.
 */
const TS = Date.UTC(2025, 2, 3, 9, 0, 0)

describe('parsePayload: what goes in', () => {
  it('parses a payload that comes as a Buffer, decoded as UTF-8', () => {
    const payload = Buffer.from(JSON.stringify({ id: '求助-1', ts: TS, lat: 37.38, lon: 117.97 }), 'utf8')
    expect(parsePayload(sosPayload, payload)).toEqual({
      ok: true,
      value: { id: '求助-1', ts: TS, lat: 37.38, lon: 117.97 },
    })
  })

  it('parses the same payload given as a string', () => {
    const payload = JSON.stringify({ id: '求助-1', ts: TS, lat: 37.38, lon: 117.97 })
    expect(parsePayload(sosPayload, payload)).toEqual({
      ok: true,
      value: { id: '求助-1', ts: TS, lat: 37.38, lon: 117.97 },
    })
  })

  it('returns the schema’s output, not the raw JSON: a numeric message id becomes its text', () => {
    expect(parsePayload(sosPayload, JSON.stringify({ id: 42, ts: TS }))).toEqual({
      ok: true,
      value: { id: '42', ts: TS },
    })
  })
})

describe('parsePayload: what is refused, and how it is told', () => {
  it.each([
    ['a truncated object', '{"id":"s1","ts":'],
    ['plain text', 'SOS'],
    ['an empty payload', ''],
  ])('refuses %s as invalid_json', (_what, payload) => {
    expect(parsePayload(sosPayload, payload)).toEqual({
      ok: false,
      reason: 'invalid_json',
      detail: 'payload is not JSON',
    })
    expect(parsePayload(sosPayload, Buffer.from(payload))).toEqual({
      ok: false,
      reason: 'invalid_json',
      detail: 'payload is not JSON',
    })
  })

  it('names the field that failed, with the schema’s message', () => {
    expect(parsePayload(locPayload, JSON.stringify({ ts: TS, lat: 'north', lon: 117.97 }))).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: 'lat: Invalid input: expected number, received string',
    })
    expect(parsePayload(locPayload, JSON.stringify({ ts: TS, lat: 91, lon: 117.97 }))).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: 'lat: Too big: expected number to be <=90',
    })
  })

  it('names the field a cross-field rule points at', () => {
    expect(parsePayload(sosPayload, JSON.stringify({ id: 's1', ts: TS, lat: 37.38 }))).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: 'lat: lat and lon must come together',
    })
  })

  it('says (root) when the payload as a whole is the wrong shape', () => {
    expect(parsePayload(sosPayload, '42')).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: '(root): Invalid input: expected object, received number',
    })
    expect(parsePayload(sosPayload, 'null')).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: '(root): Invalid input: expected object, received null',
    })
  })

  it('joins a nested path with dots', () => {
    const schema = z.object({ fix: z.object({ lat: z.number() }) })
    expect(parsePayload(schema, JSON.stringify({ fix: { lat: 'x' } }))).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: 'fix.lat: Invalid input: expected number, received string',
    })
  })

  it('reports the first failure when several fields fail', () => {
    expect(parsePayload(locPayload, JSON.stringify({ ts: 'now', lat: 'north' }))).toEqual({
      ok: false,
      reason: 'invalid_payload',
      detail: 'ts: Invalid input: expected number, received string',
    })
  })
})
