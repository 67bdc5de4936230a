import { describe, expect, it } from 'vitest'
import { alarmKinds } from '../../gateway/alarms/model.ts'
import { defaultPriorities, priorityOf } from '../../gateway/alarms/priority.ts'
import { notifyText } from '../../gateway/alarms/texts.ts'

describe('what the elder hears', () => {
  it('speaks the field’s words in Chinese by default', () => {
    expect(notifyText('zh-CN', 'received')).toBe('已收到求助，正在为您联系服务人员')
    expect(notifyText('zh-CN', 'assigned', { carerName: '王芳', etaMin: 7.2 })).toBe(
      '服务人员王芳正在赶来，预计8分钟到达',
    )
  })

  it('speaks English when configured', () => {
    expect(notifyText('en', 'received')).toBe('Help request received; contacting a carer for you.')
    expect(notifyText('en', 'assigned', { carerName: 'Wang Fang', etaMin: 7.2 })).toBe(
      'Carer Wang Fang is on the way, about 8 minutes.',
    )
  })

  it('never says zero minutes', () => {
    expect(notifyText('zh-CN', 'assigned', { carerName: '李', etaMin: 0.2 })).toBe(
      '服务人员李正在赶来，预计1分钟到达',
    )
  })

  it('has a text for every state in both languages', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      for (const state of ['received', 'assigned', 'arrived', 'resolved', 'cancelled', 'test_ok'] as const) {
        expect(notifyText(locale, state, { carerName: 'X', etaMin: 3 }).length).toBeGreaterThan(2)
      }
    }
  })
})

describe('the priority table', () => {
  it('follows the contract for every kind', () => {
    expect(defaultPriorities).toEqual({
      sos: 1,
      fall: 1,
      smoke: 1,
      gas: 1,
      manual: 1,
      fence_exit: 2,
      vitals: 2,
      inactivity: 2,
      water: 2,
      device_offline: 3,
      low_battery: 4,
      help_needed: 1,
      visit_missed: 4,
    })
    expect(Object.keys(defaultPriorities).sort()).toEqual([...alarmKinds].sort())
  })

  it('raises a high-risk elder’s fence exit to 1 and device offline to 2, nothing else', () => {
    expect(priorityOf('fence_exit', 'high')).toBe(1)
    expect(priorityOf('device_offline', 'high')).toBe(2)
    expect(priorityOf('fence_exit', 'medium')).toBe(2)
    expect(priorityOf('low_battery', 'high')).toBe(4)
    expect(priorityOf('vitals', 'high')).toBe(2)
    expect(priorityOf('sos', 'safe')).toBe(1)
  })
})
