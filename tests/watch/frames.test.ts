import { describe, expect, it } from 'vitest'
import type { Downlink } from '../../broker/watch/protocol.ts'
import { encodeCommand, messageContent } from '../../broker/watch/threeg/encode.ts'
import { BracketSplitter } from '../../broker/watch/threeg/frames.ts'
import { escapeBinary } from '../../broker/watch/threeg/header.ts'
import { frame, WATCH_ID } from './frames.ts'

const text = (frames: Buffer[]) => frames.map((f) => f.toString('utf8'))
const LK = frame('LK')
const TKQ = frame('TKQ')

describe('the splitter', () => {
  it('cuts several frames out of one read', () => {
    const s = new BracketSplitter(65_536)
    const out = s.push(Buffer.concat([LK, TKQ, frame('heart,80')]))
    expect(text(out.frames)).toEqual([
      `3G*${WATCH_ID}*0002*LK`,
      `3G*${WATCH_ID}*0003*TKQ`,
      `3G*${WATCH_ID}*0008*heart,80`,
    ])
    expect(out).toMatchObject({ garbageBytes: 0, halfFrames: 0, oversize: 0 })
  })

  it('puts one frame together from three reads', () => {
    const s = new BracketSplitter(65_536)
    const whole = frame('UD,050126,075900,A,37.383500,N,117.970700,E,0.00,0.0,0.0,7,100,80,0,0,00000000,0,0')
    const cuts = [whole.subarray(0, 5), whole.subarray(5, 40), whole.subarray(40)]
    expect(s.push(cuts[0] as Buffer).frames).toEqual([])
    expect(s.push(cuts[1] as Buffer).frames).toEqual([])
    expect(s.pending).toBe(39)
    expect(s.push(cuts[2] as Buffer).frames).toEqual([whole.subarray(1, whole.length - 1)])
    expect(s.pending).toBe(0)
  })

  it('counts bytes outside frames as garbage and keeps the frames between them', () => {
    const s = new BracketSplitter(65_536)
    const out = s.push(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n'), LK, Buffer.from('\r\n'), TKQ]))
    expect(out.frames).toHaveLength(2)
    expect(out.garbageBytes).toBe(18)
  })

  it('drops half a frame when the next one starts, and keeps the next one whole', () => {
    const s = new BracketSplitter(65_536)
    const half = LK.subarray(0, 8)
    const out = s.push(Buffer.concat([half, TKQ]))
    expect(text(out.frames)).toEqual([`3G*${WATCH_ID}*0003*TKQ`])
    expect(out.halfFrames).toBe(1)
    // a half frame at the end of a read is only pending: the next read may finish it
    expect(s.push(half).frames).toEqual([])
    expect(s.push(LK.subarray(8)).frames).toHaveLength(1)
  })

  it('keeps binary content with escaped brackets in one frame', () => {
    const s = new BracketSplitter(65_536)
    const clip = escapeBinary(Buffer.from([0x5b, 0x5d, 0x7d, 0x01, 0xff]))
    const f = frame(Buffer.concat([Buffer.from('TK,'), clip]))
    const out = s.push(f)
    expect(out.frames).toEqual([f.subarray(1, f.length - 1)])
  })

  it('refuses a frame over the limit as it passes it, without buffering it, and reads on after it', () => {
    const s = new BracketSplitter(1_024)
    const huge = frame(`TK,${'x'.repeat(4_000)}`)
    let oversize = 0
    let most = 0
    for (let i = 0; i < huge.length; i += 512) {
      oversize += s.push(huge.subarray(i, i + 512)).oversize
      most = Math.max(most, s.pending)
    }
    expect(oversize).toBe(1)
    expect(most).toBeLessThanOrEqual(1_024)
    expect(s.pending).toBe(0)
    expect(s.push(LK).frames).toHaveLength(1)
  })
})

describe('the encoder', () => {
  const dialect = { maker: '3G' }

  it.each<[Downlink, string[]]>([
    [{ command: 'locate' } as const, ['CR']],
    [{ command: 'interval', seconds: 600 } as const, ['UPLOAD,600']],
    [{ command: 'center', phone: '+8613800000000' } as const, ['CENTER,+8613800000000']],
    [{ command: 'find' } as const, ['FIND']],
    [{ command: 'power_off' } as const, ['POWEROFF']],
    [
      { command: 'sos_numbers', numbers: ['13800000001', '13800000002'] },
      ['SOS1,13800000001', 'SOS2,13800000002', 'SOS3,'],
    ],
  ])('%j is written as %j', (command, contents) => {
    const frames = encodeCommand(WATCH_ID, command, dialect)
    expect(text(frames)).toEqual(
      contents.map((c) => `[3G*${WATCH_ID}*${c.length.toString(16).toUpperCase().padStart(4, '0')}*${c}]`),
    )
  })

  it('writes a text for the screen in UTF-16BE hex', () => {
    expect(messageContent('已收到')).toBe('MESSAGE,5DF265365230')
    expect(messageContent('Wang 8')).toBe('MESSAGE,00570061006E006700200038')
    const [f] = encodeCommand(
      WATCH_ID,
      { command: 'message', text: '已收到' },
      { maker: 'ZJ', index: '0003' },
    )
    expect(f?.toString('utf8')).toBe(`[ZJ*${WATCH_ID}*0003*0014*MESSAGE,5DF265365230]`)
  })
})
