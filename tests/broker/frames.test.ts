import { generate } from 'mqtt-packet'
import { describe, expect, it } from 'vitest'
import { FrameGuard } from '../../broker/frames.ts'

const connect = generate({
  cmd: 'connect',
  protocolId: 'MQTT',
  protocolVersion: 4,
  clean: true,
  clientId: 'c1',
  keepalive: 30,
  username: 'D01',
  password: Buffer.from('secret-D01'),
})
const publish = (bytes: number) =>
  generate({
    cmd: 'publish',
    topic: 'care/v1/dev/D01/loc',
    payload: Buffer.alloc(bytes, 0x20),
    qos: 1,
    messageId: 7,
    dup: false,
    retain: false,
  })

describe('the frame guard', () => {
  it('passes a login and packets within the limit, however the stream is cut', () => {
    const stream = Buffer.concat([connect, publish(100), publish(1_000), publish(10)])
    for (const cut of [1, 2, 3, 7, 64, stream.length]) {
      const guard = new FrameGuard(1_100)
      for (let i = 0; i < stream.length; i += cut) {
        expect(guard.feed(stream.subarray(i, i + cut)), `cut every ${cut}`).toBeUndefined()
      }
    }
  })

  it('refuses anything but CONNECT first, on its first byte', () => {
    expect(new FrameGuard(4_096).feed(Buffer.from([0x30]))).toEqual({ reason: 'connect_first', type: 3 })
    expect(new FrameGuard(4_096).feed(Buffer.from([0xc0, 0x00]))).toEqual({
      reason: 'connect_first',
      type: 12,
    })
  })

  it('refuses a packet announcing more than the limit on its length bytes, before its body', () => {
    const guard = new FrameGuard(4_096)
    expect(guard.feed(connect)).toBeUndefined()
    // 0x30, then 256 MiB − 1 in four length bytes: refused at its third byte, once it cannot stay under the limit
    expect(guard.feed(Buffer.from([0x30, 0xff, 0xff]))).toEqual({
      reason: 'packet_too_large',
      type: 3,
      bytes: 0x7f + 0x7f * 128,
      limit: 4_096,
    })
    expect(new FrameGuard(4_096).feed(Buffer.from([0x10, 0x81, 0x40]))).toMatchObject({
      reason: 'packet_too_large',
      bytes: 1 + 64 * 128,
    })
  })

  it('takes a packet of exactly the limit and refuses one byte more', () => {
    const exact = publish(1_000)
    const limit = exact.length - 3 // fixed header: one type byte, two length bytes
    expect(new FrameGuard(limit).feed(Buffer.concat([connect, exact]))).toBeUndefined()
    expect(new FrameGuard(limit - 1).feed(Buffer.concat([connect, exact]))).toMatchObject({
      reason: 'packet_too_large',
      bytes: limit,
    })
  })

  it('refuses a length of more than four bytes', () => {
    const guard = new FrameGuard(Number.MAX_SAFE_INTEGER)
    expect(guard.feed(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80]))).toEqual({ reason: 'bad_length', type: 1 })
  })
})
