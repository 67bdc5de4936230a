import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger } from '../../kernel/observe/log.ts'
import { TestClient } from '../support/mqtt.ts'
import { HOME, offset, startWorld } from '../support/world.ts'

/** Everything the gateway logs, at the most talkative level, kept in memory. */
function capture(): { stream: Writable; text: () => string } {
  const chunks: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'))
      done()
    },
  })
  return { stream, text: () => chunks.join('') }
}

describe('the logs of a whole run', () => {
  it('hold no secret, token, password, phone number or address', async () => {
    const logs = capture()
    const world = await startWorld({ log: createLogger('trace', logs.stream) })
    const phone = '13812345678'
    const familyPhone = '13987654321'
    const address = '无棣县海丰街道东关社区12号楼2单元301'
    try {
      await world.elder('E01', {
        phone,
        address,
        contacts: [{ name: '李明', relation: '儿子', phone: familyPhone }],
      })
      const device = await world.device('D01', 'E01')
      const carer = await world.carer('C01', offset(HOME, 300, 0), { phone: '13700001111' })
      await world.api('PUT', '/api/v1/users/disp', { role: 'dispatcher', password: 'a-secret-password' })
      const login = await world.api<{ token: string }>('POST', '/api/v1/auth/login', {
        username: 'disp',
        password: 'a-secret-password',
      })
      await world.api('POST', '/api/v1/auth/login', { username: 'disp', password: 'wrong-password-typed' })
      await TestClient.connect(world.mqttUrl, 'D01', 'not-the-secret').catch(() => undefined)
      await device.publish('care/v1/dev/D01/sos', { id: 's1', ts: world.clock.now() })
      const offer = await carer.next((r) => r.message.action === 'offer')
      await carer.publish('care/v1/carer/C01/reply', {
        alarmId: offer.message.alarmId,
        action: 'accept',
        ts: world.clock.now(),
      })
      await device.next((r) => r.message.state === 'assigned')
      await device.publish('care/v1/dev/D01/sos', '{not json')
      await world.api('GET', '/api/v1/alarms', undefined, login.body.token)
      await world.api('GET', '/api/v1/alarms', undefined, 'a-forged-token-value')
      const text = logs.text()
      expect(text.length).toBeGreaterThan(1_000)
      for (const secret of [
        phone,
        familyPhone,
        '13700001111',
        address,
        'secret-D01',
        'secret-C01',
        'not-the-secret',
        'a-secret-password',
        'wrong-password-typed',
        login.body.token,
        'a-forged-token-value',
        'test-admin-token-0123456789',
      ]) {
        expect(text.includes(secret), `a log line holds ${secret}`).toBe(false)
      }
    } finally {
      await world.stop()
    }
  })
})
