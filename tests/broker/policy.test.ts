import { describe, expect, it } from 'vitest'
import { mayPublish, maySubscribe, mayWill, type Principal } from '../../broker/policy.ts'
import { carerUplinks, deviceUplinks, topics } from '../../kernel/contract/topics.ts'

const aDevice = (id = 'D01'): Principal => ({ kind: 'device', id })
const aCarer = (id = 'C01'): Principal => ({ kind: 'carer', id })
const aService = (id = 'flows'): Principal => ({ kind: 'service', id })

/** The reason a publish is refused, or 'ok'. */
function publishVerdict(principal: Principal, topic: string): string {
  const verdict = mayPublish(principal, topic)
  return verdict.ok ? 'ok' : verdict.reason
}

describe('mayPublish', () => {
  describe('a device', () => {
    it.each(Object.keys(deviceUplinks))('publishes its own %s', (leaf) => {
      const verdict = mayPublish(aDevice(), `care/v1/dev/D01/${leaf}`)
      expect(verdict).toEqual({ ok: true, topic: { kind: 'device', id: 'D01', leaf } })
    })

    it('publishes no uplink of another device, ids being case-sensitive', () => {
      expect(publishVerdict(aDevice(), 'care/v1/dev/D02/sos')).toBe('not_own_topic')
      expect(publishVerdict(aDevice(), 'care/v1/dev/d01/sos')).toBe('not_own_topic')
      expect(publishVerdict(aDevice('D01'), 'care/v1/dev/D011/sos')).toBe('not_own_topic')
    })

    it('publishes on no downlink: its own notify, a task or the integration events', () => {
      expect(publishVerdict(aDevice(), topics.deviceNotify('D01'))).toBe('downlink_topic')
      expect(publishVerdict(aDevice(), topics.carerTask('C01'))).toBe('downlink_topic')
      expect(publishVerdict(aDevice(), topics.alarmEvents)).toBe('downlink_topic')
      expect(publishVerdict(aDevice(), 'care/v1/events/anything/deeper')).toBe('downlink_topic')
    })

    it('publishes on no carer topic, even one spelled with its own id', () => {
      expect(publishVerdict(aDevice(), 'care/v1/carer/C01/reply')).toBe('not_own_topic')
      expect(publishVerdict(aDevice('D01'), 'care/v1/carer/D01/loc')).toBe('not_own_topic')
    })

    it('publishes on nothing outside the topic map', () => {
      for (const topic of [
        'care/v1/dev/D01/reboot',
        'care/v1/dev/D01/sos/extra',
        'care/v1/dev/D01/notify/extra',
        'care/v1/dev/D01',
        'care/v1/dev/D01/',
        'care/v2/dev/D01/sos',
        'care/v1/dev/D 1/sos',
        'care/v1/dev/D1/sos',
        'care/v1/other/D01/sos',
        '/care/v1/dev/D01/sos',
        '$SYS/broker/uptime',
        '',
      ]) {
        expect(publishVerdict(aDevice(), topic), topic).toBe('unknown_topic')
      }
    })
  })

  describe('a carer', () => {
    it.each(Object.keys(carerUplinks))('publishes its own %s', (leaf) => {
      const verdict = mayPublish(aCarer(), `care/v1/carer/C01/${leaf}`)
      expect(verdict).toEqual({ ok: true, topic: { kind: 'carer', id: 'C01', leaf } })
    })

    it('publishes nothing of another carer, of a device, or downstream', () => {
      expect(publishVerdict(aCarer(), 'care/v1/carer/C02/reply')).toBe('not_own_topic')
      expect(publishVerdict(aCarer('C01'), 'care/v1/dev/C01/sos')).toBe('not_own_topic')
      expect(publishVerdict(aCarer(), topics.carerTask('C01'))).toBe('downlink_topic')
      expect(publishVerdict(aCarer(), topics.deviceNotify('D01'))).toBe('downlink_topic')
      expect(publishVerdict(aCarer(), topics.alarmEvents)).toBe('downlink_topic')
    })

    it('publishes no device leaf under its own id, nor an extra level', () => {
      expect(publishVerdict(aCarer(), 'care/v1/carer/C01/sos')).toBe('unknown_topic')
      expect(publishVerdict(aCarer(), 'care/v1/carer/C01/reply/x')).toBe('unknown_topic')
    })
  })

  describe('a service', () => {
    it('publishes nothing at all: it acts through the HTTP API', () => {
      const service = aService('flows')
      for (const topic of [
        topics.alarmEvents,
        topics.deviceUplink('flows', 'sos'),
        topics.carerUplink('flows', 'reply'),
        topics.deviceNotify('D01'),
        topics.carerTask('C01'),
      ]) {
        expect(mayPublish(service, topic).ok, topic).toBe(false)
      }
    })
  })
})

describe('mayWill', () => {
  it('accepts only a device announcing its own status', () => {
    expect(mayWill(aDevice(), 'care/v1/dev/D01/status')).toBe(true)
  })

  it('refuses a will anywhere else', () => {
    expect(mayWill(aDevice(), 'care/v1/dev/D02/status')).toBe(false)
    for (const leaf of ['sos', 'loc', 'event', 'vitals', 'cancel', 'notify']) {
      expect(mayWill(aDevice(), `care/v1/dev/D01/${leaf}`), leaf).toBe(false)
    }
    expect(mayWill(aDevice(), 'care/v1/dev/D01/status/x')).toBe(false)
    expect(mayWill(aCarer(), 'care/v1/carer/C01/duty')).toBe(false)
    expect(mayWill(aCarer('C01'), 'care/v1/dev/C01/status')).toBe(false)
    expect(mayWill(aService(), topics.alarmEvents)).toBe(false)
  })

  it('refuses a carer a will on any of its own uplinks: only devices announce a status', () => {
    for (const leaf of Object.keys(carerUplinks)) {
      expect(mayPublish(aCarer(), `care/v1/carer/C01/${leaf}`).ok, leaf).toBe(true)
      expect(mayWill(aCarer(), `care/v1/carer/C01/${leaf}`), leaf).toBe(false)
    }
  })
})

describe('maySubscribe', () => {
  it('lets a device subscribe under its own id only', () => {
    const device = aDevice('D01')
    expect(maySubscribe(device, topics.deviceNotify('D01'))).toBe(true)
    expect(maySubscribe(device, 'care/v1/dev/D01/#')).toBe(true)
    expect(maySubscribe(device, 'care/v1/dev/D01/+')).toBe(true)
    for (const filter of [
      'care/v1/dev/D02/notify',
      'care/v1/dev/+/notify',
      'care/v1/dev/#',
      'care/v1/dev/D0/#',
      'care/v1/dev/D011/notify',
      'care/v1/dev/D01',
      'care/v1/dev/D01/',
      'care/v1/#',
      'care/#',
      '+/v1/dev/D01/notify',
      '#',
      '+',
      '$SYS/#',
      '$share/g/care/v1/dev/D01/notify',
      topics.eventsFilter,
      topics.carerTask('D01'),
      '',
    ]) {
      expect(maySubscribe(device, filter), filter).toBe(false)
    }
  })

  it('lets a carer subscribe under its own id only', () => {
    const carer = aCarer('C01')
    expect(maySubscribe(carer, topics.carerTask('C01'))).toBe(true)
    expect(maySubscribe(carer, 'care/v1/carer/C01/#')).toBe(true)
    for (const filter of [
      'care/v1/carer/C02/task',
      'care/v1/carer/+/task',
      'care/v1/carer/#',
      'care/v1/dev/C01/notify',
      topics.eventsFilter,
      '#',
      '$SYS/#',
      '$share/g/care/v1/carer/C01/task',
    ]) {
      expect(maySubscribe(carer, filter), filter).toBe(false)
    }
  })

  it('lets a service read the integration events and nothing else', () => {
    const service = aService()
    expect(maySubscribe(service, topics.eventsFilter)).toBe(true)
    expect(maySubscribe(service, topics.alarmEvents)).toBe(true)
    for (const filter of [
      'care/v1/events',
      'care/v1/#',
      'care/v1/+/alarm',
      'care/v1/dev/+/notify',
      'care/v1/carer/+/task',
      '#',
      '$SYS/#',
      '$share/g/care/v1/events/alarm',
    ]) {
      expect(maySubscribe(service, filter), filter).toBe(false)
    }
  })
})
