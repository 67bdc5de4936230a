import { describe, expect, it } from 'vitest'
import type { Decoded, DecodedFrame } from '../../broker/watch/protocol.ts'
import { decodeFrame } from '../../broker/watch/threeg/decode.ts'
import { escapeBinary, unescapeBinary } from '../../broker/watch/threeg/header.ts'
import { cellNumber, deviceTime } from '../../broker/watch/threeg/position.ts'
import { IMEI, inner, position, someRadio, status, WATCH_ID } from './frames.ts'

/** The gateway's clock when a frame arrives; device times are a minute before. */
const NOW = Date.UTC(2026, 0, 5, 8, 0, 0)
const AT = NOW - 60_000

function decode(content: string | Buffer, o: Parameters<typeof inner>[1] = {}): DecodedFrame {
  const d = decodeFrame(inner(content, o), NOW)
  if (!d.ok) throw new Error(`refused: ${d.reason} ${d.detail}`)
  return d
}

function refused(bytes: Buffer): Extract<Decoded, { ok: false }> {
  const d = decodeFrame(bytes, NOW)
  if (d.ok) throw new Error(`taken: ${d.type}`)
  return d
}

const text = (b: Buffer | undefined) => b?.toString('utf8')
const idOf = (d: DecodedFrame) => String(d.readings[0]?.payload.id)

describe('the heartbeat', () => {
  it('LK alone: the device is online, answered LK', () => {
    const d = decode('LK')
    expect(d).toMatchObject({ deviceId: WATCH_ID, type: 'LK', kind: 'heartbeat', alarm: false })
    expect(d.readings).toEqual([{ leaf: 'status', payload: { online: true } }])
    expect(text(d.reply)).toBe(`[3G*${WATCH_ID}*0002*LK]`)
  })

  it('LK with steps, rolls and battery: the battery in the status, the steps as vitals', () => {
    const d = decode('LK,5321,12,76', { id: IMEI })
    expect(d.deviceId).toBe(IMEI)
    expect(d.readings).toEqual([
      { leaf: 'status', payload: { online: true, battery: 76 } },
      { leaf: 'vitals', payload: { ts: NOW, steps: 5321 } },
    ])
  })
})

describe('positions', () => {
  it.each(['UD', 'UD_LTE', 'UD_WCDMA', 'WT'])(
    '%s with a fix is a loc at the device’s time, unanswered',
    (type) => {
      const d = decode(position(type, { at: AT, lat: 37.3835, lon: 117.9707, speed: '3.50', battery: 64 }))
      expect(d).toMatchObject({ type, kind: 'position', alarm: false })
      expect(d.readings).toEqual([
        {
          leaf: 'loc',
          payload: { ts: AT, lat: 37.3835, lon: 117.9707, src: 'gps', speed: 3.5, battery: 64 },
        },
      ])
      expect(d.reply).toBeUndefined()
      expect(d.scan).toBeUndefined()
    },
  )

  it('reads empty hemisphere letters as north and east, and S and W as negative', () => {
    const plain = decode(position('UD', { at: AT, ns: '', ew: '' }))
    expect(plain.readings[0]?.payload).toMatchObject({ lat: 37.3835, lon: 117.9707 })
    const south = decode(position('UD', { at: AT, lat: 33.8688, ns: 'S', lon: 151.2093, ew: 'W' }))
    expect(south.readings[0]?.payload).toMatchObject({ lat: -33.8688, lon: -151.2093 })
  })

  it('without a fix (V) keeps the cells and Wi-Fi for a later look-up, and reports no position', () => {
    const d = decode(position('UD', { at: AT, valid: false, radio: someRadio }))
    expect(d.readings).toEqual([])
    expect(d.notes).toContain('no_fix')
    expect(d.scan).toEqual({
      ts: AT,
      cells: [{ mcc: 460, mnc: 0, lac: 9360, cid: 4082, signal: -71 }],
      wifi: [
        { ssid: '家', mac: 'aa:bb:cc:dd:ee:01', signal: -60 },
        { ssid: 'ChinaNet-X', mac: 'aa:bb:cc:dd:ee:02', signal: -75 },
      ],
    })
  })

  it('takes A with zero coordinates for no fix', () => {
    const d = decode(position('UD', { at: AT, lat: 0, lon: 0, radio: someRadio }))
    expect(d.readings).toEqual([])
    expect(d.scan?.cells).toHaveLength(1)
  })

  it('reads cell ids in hex on the makers that send them so', () => {
    const radio = ['2', '0', '460', '1', '24A0', '0F1B', '-80', '9360', '4082', '-90', '0']
    const d = decode(position('UD', { at: AT, valid: false, radio }))
    expect(d.scan?.cells).toEqual([
      { mcc: 460, mnc: 1, lac: 0x24a0, cid: 0x0f1b, signal: -80 },
      { mcc: 460, mnc: 1, lac: 9360, cid: 4082, signal: -90 },
    ])
    expect(cellNumber('0x1F')).toBe(31)
    expect(cellNumber('12345')).toBe(12345)
    expect(cellNumber('zz')).toBeUndefined()
  })

  it('keeps the fix when the cell list does not read, and says so', () => {
    const d = decode(position('UD', { at: AT, radio: ['3', '0', '460', '0', 'x'] }))
    expect(d.readings.map((r) => r.leaf)).toEqual(['loc'])
    expect(d.notes).toContain('radio_unread')
  })

  it('UD2, a fix sent late, is a loc at its own time and raises nothing, whatever its status bits', () => {
    const late = NOW - 3 * 3_600_000
    const d = decode(position('UD2', { at: late, status: status(16, 18) }))
    expect(d.alarm).toBe(false)
    expect(d.readings).toEqual([{ leaf: 'loc', payload: expect.objectContaining({ ts: late }) }])
  })

  it('reads a 4-digit status word', () => {
    const d = decode(position('UD', { at: AT, status: '0010' }))
    expect(d.readings.map((r) => r.leaf)).toEqual(['loc'])
  })

  it('falls back to the gateway’s time when the device sent none that reads', () => {
    const d = decode(position('UD', { at: AT }).replace(/^UD,\d{6},\d{6}/, 'UD,000000,000000'))
    expect(d.readings[0]?.payload).toMatchObject({ ts: NOW })
    expect(d.notes).toContain('no_device_time')
    expect(deviceTime('310226', '120000')).toBeUndefined() // 31 February
    expect(deviceTime('050126', '080000')).toBe(NOW)
  })
})

describe('alarm frames', () => {
  it('AL with the SOS bit and a fix: an sos at the fix with the battery, the fix as a loc, answered AL', () => {
    const d = decode(position('AL', { at: AT, status: status(16), battery: 55 }))
    expect(d).toMatchObject({ type: 'AL', kind: 'alarm', alarm: true })
    const id = idOf(d)
    expect(id).toMatch(/^w[0-9a-f]{24}$/)
    expect(d.readings).toEqual([
      { leaf: 'sos', payload: { id, ts: AT, lat: 37.3835, lon: 117.9707, battery: 55 } },
      { leaf: 'loc', payload: expect.objectContaining({ ts: AT, lat: 37.3835 }) },
    ])
    expect(text(d.reply)).toBe(`[3G*${WATCH_ID}*0002*AL]`)
  })

  it('AL with the SOS bit and no fix (V, zero coordinates): an sos without a position', () => {
    const d = decode(
      position('AL', { at: AT, valid: false, lat: 0, lon: 0, status: status(16), radio: someRadio }),
    )
    expect(d.readings).toEqual([{ leaf: 'sos', payload: { id: expect.any(String), ts: AT, battery: 80 } }])
    expect(d.scan?.wifi).toHaveLength(2)
  })

  it.each([
    [21, 'fall'],
    [22, 'fall'],
    [20, 'tamper'],
    [17, 'low_battery'],
    [18, 'fence_exit'],
  ])('bit %i is an event of type %s, with the fix', (bit, type) => {
    const d = decode(position('AL', { at: AT, status: status(bit) }))
    const events = d.readings.filter((r) => r.leaf === 'event')
    expect(events).toEqual([
      {
        leaf: 'event',
        payload: {
          id: expect.stringMatching(new RegExp(`-${type}$`)),
          ts: AT,
          type,
          lat: 37.3835,
          lon: 117.9707,
        },
      },
    ])
    expect(d.readings.some((r) => r.leaf === 'sos')).toBe(false)
  })

  it('SOS and a fall in one frame are both raised, each with its own id', () => {
    const d = decode(position('AL', { at: AT, status: status(16, 21) }))
    const ids = d.readings.filter((r) => r.leaf !== 'loc').map((r) => (r.payload as { id: string }).id)
    expect(d.readings.map((r) => r.leaf)).toEqual(['sos', 'event', 'loc'])
    expect(new Set(ids).size).toBe(2)
  })

  it('an alarm frame with no alarm bit (a 4-digit word) is an SOS; a fence entry alone raises nothing', () => {
    expect(decode(position('AL', { at: AT, status: '0000' })).readings.map((r) => r.leaf)).toEqual([
      'sos',
      'loc',
    ])
    const entry = decode(position('AL', { at: AT, status: status(19) }))
    expect(entry.readings.map((r) => r.leaf)).toEqual(['loc'])
    expect(entry.notes).toContain('fence_entry')
  })

  it('AL_LTE is an alarm frame too, answered AL', () => {
    const d = decode(position('AL_LTE', { at: AT, status: status(16) }))
    expect(d.readings[0]?.leaf).toBe('sos')
    expect(text(d.reply)).toBe(`[3G*${WATCH_ID}*0002*AL]`)
  })

  it('the same frame sent again has the same message id; another moment, another id', () => {
    const content = position('AL', { at: AT, status: status(16) })
    expect(idOf(decode(content))).toBe(idOf(decode(content)))
    expect(idOf(decode(position('AL', { at: AT + 1_000, status: status(16) })))).not.toBe(
      idOf(decode(content)),
    )
  })
})

describe('vitals', () => {
  it.each([
    ['heart,78', { hr: 78 }],
    ['bphrt,128,82,71', { sys: 128, dia: 82, hr: 71 }],
    ['bphrt,118,79', { sys: 118, dia: 79 }],
    ['btemp2,1,36.6', { temp: 36.6 }],
    ['btemp2,37.1', { temp: 37.1 }],
    ['oxygen,97', { spo2: 97 }],
  ])('%s is a vitals reading', (content, reading) => {
    const d = decode(content)
    expect(d.kind).toBe('vitals')
    expect(d.readings).toEqual([{ leaf: 'vitals', payload: { ts: NOW, ...reading } }])
  })

  it('a zero is "not measured", never a reading (a heart rate of 0 would alarm)', () => {
    const d = decode('heart,0')
    expect(d.readings).toEqual([])
    expect(d.notes).toContain('not_measured')
    expect(decode('bphrt,120,80,0').readings[0]?.payload).toEqual({ ts: NOW, sys: 120, dia: 80 })
  })
})

describe('the rest of the types', () => {
  it.each(['TKQ', 'TKQ2'])('%s is answered with itself', (type) => {
    const d = decode(type)
    expect(d.readings).toEqual([])
    expect(text(d.reply)).toBe(
      `[3G*${WATCH_ID}*${type.length.toString(16).padStart(4, '0').toUpperCase()}*${type}]`,
    )
  })

  it.each(['CR', 'UPLOAD', 'SOS1', 'SOS2', 'SOS3', 'CENTER', 'MESSAGE', 'FIND', 'POWEROFF'])(
    '%s is the device answering a command',
    (type) => {
      const d = decode(type)
      expect(d).toMatchObject({ kind: 'answer', answered: type, readings: [] })
      expect(d.reply).toBeUndefined()
    },
  )

  it('a type it does not know is taken and left alone', () => {
    expect(decode('PEDO,1')).toMatchObject({ kind: 'other', readings: [], notes: [] })
  })

  it('binary content (a voice clip) with escapes is taken as media', () => {
    const clip = Buffer.from([0x23, 0x21, 0x7d, 0x5b, 0x5d, 0x2c, 0x2a, 0x00])
    const d = decode(Buffer.concat([Buffer.from('TK,'), escapeBinary(clip)]))
    expect(d).toMatchObject({ type: 'TK', kind: 'media', readings: [] })
    expect(unescapeBinary(escapeBinary(clip))).toEqual(clip)
    expect(escapeBinary(clip).includes(0x5d)).toBe(false)
  })
})

describe('the head of a frame', () => {
  it('never refuses a frame for a wrong length field: it notes it', () => {
    const d = decode('LK', { length: '00FF' })
    expect(d.notes).toContain('length_mismatch')
    expect(d.readings).toHaveLength(1)
    expect(decode('LK', { length: '3' }).notes).toContain('length_mismatch')
  })

  it('reads the ZJ index field and answers with it', () => {
    const d = decode('LK', { maker: 'ZJ', index: '00A1' })
    expect(d.dialect).toEqual({ maker: 'ZJ', index: '00A1' })
    expect(text(d.reply)).toBe(`[ZJ*${WATCH_ID}*00A1*0002*LK]`)
    const fix = decode(position('UD', { at: AT }), { maker: 'ZJ', index: '0001' })
    expect(fix.readings[0]?.leaf).toBe('loc')
  })

  it('answers in the maker letters the device used', () => {
    expect(text(decode('LK', { maker: 'SG' }).reply)).toBe(`[SG*${WATCH_ID}*0002*LK]`)
  })

  it.each([
    ['a bad maker', 'X*8600000001*0002*LK', 'bad_maker'],
    ['letters in the id', '3G*86000ABC01*0002*LK', 'bad_device_id'],
    ['a 9-digit id', '3G*860000001*0002*LK', 'bad_device_id'],
    ['no length field', '3G*8600000001*LK', 'bad_length_field'],
    ['no type', '3G*8600000001*0002*,1,2', 'bad_type'],
    ['nothing at all', '', 'bad_maker'],
    [
      'a position with letters for a latitude',
      `3G*8600000001*0040*${position('UD', { at: AT }).replace('37.383500', 'north')}`,
      'bad_coordinates',
    ],
    [
      'a latitude past the pole',
      `3G*8600000001*0040*${position('UD', { at: AT, lat: 95 })}`,
      'bad_coordinates',
    ],
    ['a position cut short', '3G*8600000001*0010*UD,050126,075900,A,37.38', 'short_position'],
  ])('refuses %s', (_what, bytes, reason) => {
    expect(refused(Buffer.from(bytes, 'utf8')).reason).toBe(reason)
  })
})
