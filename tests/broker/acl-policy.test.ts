import { describe, expect, it } from 'vitest'
import { mayPublish, maySubscribe, mayWill, type Principal } from '../../broker/policy.ts'

const device: Principal = { kind: 'device', id: 'D01' }
const carer: Principal = { kind: 'carer', id: 'C01' }
const service: Principal = { kind: 'service', id: 'flows' }

describe('who may publish what', () => {
  it('lets a device publish its own uplinks only', () => {
    for (const leaf of ['sos', 'loc', 'event', 'vitals', 'status', 'cancel']) {
      expect(mayPublish(device, `care/v1/dev/D01/${leaf}`).ok).toBe(true)
    }
    expect(mayPublish(device, 'care/v1/dev/D02/sos')).toEqual({ ok: false, reason: 'not_own_topic' })
    expect(mayPublish(device, 'care/v1/dev/D01/notify')).toEqual({ ok: false, reason: 'downlink_topic' })
    expect(mayPublish(device, 'care/v1/carer/D01/reply')).toEqual({ ok: false, reason: 'not_own_topic' })
    expect(mayPublish(device, 'care/v1/events/alarm')).toEqual({ ok: false, reason: 'downlink_topic' })
    expect(mayPublish(device, 'care/v1/dev/D01/sos/extra')).toEqual({ ok: false, reason: 'unknown_topic' })
    expect(mayPublish(device, 'care/v1/dev/D01/reboot')).toEqual({ ok: false, reason: 'unknown_topic' })
    expect(mayPublish(device, '$SYS/broker/uptime').ok).toBe(false)
  })

  it('lets a carer publish its own loc, duty and reply only', () => {
    for (const leaf of ['loc', 'duty', 'reply'])
      expect(mayPublish(carer, `care/v1/carer/C01/${leaf}`).ok).toBe(true)
    expect(mayPublish(carer, 'care/v1/carer/C02/reply').ok).toBe(false)
    expect(mayPublish(carer, 'care/v1/carer/C01/task').ok).toBe(false)
    expect(mayPublish(carer, 'care/v1/dev/C01/sos').ok).toBe(false)
  })

  it('lets a service publish nothing', () => {
    expect(mayPublish(service, 'care/v1/events/alarm').ok).toBe(false)
    expect(mayPublish(service, 'care/v1/dev/flows/sos').ok).toBe(false)
  })

  it('accepts a will only on the device’s own status', () => {
    expect(mayWill(device, 'care/v1/dev/D01/status')).toBe(true)
    expect(mayWill(device, 'care/v1/dev/D02/status')).toBe(false)
    expect(mayWill(device, 'care/v1/dev/D01/sos')).toBe(false)
    expect(mayWill(carer, 'care/v1/carer/C01/duty')).toBe(false)
  })
})

describe('who may subscribe to what', () => {
  it('keeps a device under its own id', () => {
    expect(maySubscribe(device, 'care/v1/dev/D01/notify')).toBe(true)
    expect(maySubscribe(device, 'care/v1/dev/D01/#')).toBe(true)
    expect(maySubscribe(device, 'care/v1/dev/+/notify')).toBe(false)
    expect(maySubscribe(device, 'care/v1/dev/D02/notify')).toBe(false)
    expect(maySubscribe(device, 'care/v1/dev/D0/#')).toBe(false)
    expect(maySubscribe(device, 'care/v1/#')).toBe(false)
    expect(maySubscribe(device, '#')).toBe(false)
    expect(maySubscribe(device, '$SYS/#')).toBe(false)
  })

  it('keeps a carer under its own id', () => {
    expect(maySubscribe(carer, 'care/v1/carer/C01/task')).toBe(true)
    expect(maySubscribe(carer, 'care/v1/carer/+/task')).toBe(false)
    expect(maySubscribe(carer, 'care/v1/events/#')).toBe(false)
  })

  it('gives a service the integration events', () => {
    expect(maySubscribe(service, 'care/v1/events/#')).toBe(true)
    expect(maySubscribe(service, 'care/v1/events/alarm')).toBe(true)
    expect(maySubscribe(service, 'care/v1/dev/+/notify')).toBe(false)
  })
})
