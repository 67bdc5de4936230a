import type { Alarm, TimelineEntry, TimelineType } from '../../gateway/alarms/model.ts'
import { toLine } from '../../gateway/history/line.ts'
import {
  alarmEventPoint,
  positionPoint,
  responsePoint,
  type Subject,
  statusPoint,
} from '../../gateway/history/schema.ts'

/**
 * A small supervised district written as the sink writes it: five alarms
 * over two streets with known response times, four devices' status and ten
 * fixes. The dashboards test knows every number this should give.
 */
export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0)
const MIN = 60_000
const haifeng = ['Haifeng St', 'Dongguan', 'G03', '12']
const chengnan = ['Chengnan St', 'Xiguan', 'G01']

interface Story {
  alarm: Alarm
  grid: string[]
  steps: [TimelineType, number, string?][]
}

function anAlarm(over: Partial<Alarm> & Pick<Alarm, 'id' | 'kind' | 'priority' | 'elderId'>): Alarm {
  return {
    state: 'open',
    escalated: false,
    raisedAt: T0,
    lat: 37.38,
    lon: 117.97,
    round: 0,
    seq: 0,
    updatedAt: T0,
    ...over,
  }
}

function resolved(
  id: string,
  kind: Alarm['kind'],
  elder: string,
  carer: string,
  at: number,
  acceptS: number,
  arriveS: number,
  grid: string[],
  outcome: 'assisted' | 'hospital',
): Story {
  const alarm = anAlarm({
    id,
    kind,
    priority: 1,
    elderId: elder,
    deviceId: `D${elder.slice(1)}`,
    carerId: carer,
    state: 'resolved',
    raisedAt: at,
    acceptedAt: at + acceptS * 1000,
    arrivedAt: at + arriveS * 1000,
    resolvedAt: at + arriveS * 1000 + 10 * MIN,
    outcome,
  })
  return {
    alarm,
    grid,
    steps: [
      ['raised', at],
      ['offered', at, carer],
      ['accepted', at + acceptS * 1000, carer],
      ['arrived', at + arriveS * 1000, carer],
      ['resolved', at + arriveS * 1000 + 10 * MIN, carer],
    ],
  }
}

const stories: Story[] = [
  resolved('A1', 'sos', 'E01', 'C01', T0, 60, 600, haifeng, 'assisted'),
  resolved('A2', 'fall', 'E02', 'C02', T0 + 60 * MIN, 120, 1200, haifeng, 'hospital'),
  resolved('A3', 'sos', 'E03', 'C01', T0 + 120 * MIN, 30, 300, chengnan, 'assisted'),
  {
    alarm: anAlarm({
      id: 'A4',
      kind: 'fence_exit',
      priority: 2,
      elderId: 'E04',
      deviceId: 'D04',
      state: 'cancelled',
      raisedAt: T0 + 180 * MIN,
    }),
    grid: chengnan,
    steps: [
      ['raised', T0 + 180 * MIN],
      ['cancelled', T0 + 181 * MIN],
    ],
  },
  {
    alarm: anAlarm({
      id: 'A5',
      kind: 'device_offline',
      priority: 3,
      elderId: 'E01',
      deviceId: 'D01',
      escalated: true,
      raisedAt: T0 + 240 * MIN,
    }),
    grid: haifeng,
    steps: [
      ['raised', T0 + 240 * MIN],
      ['escalated', T0 + 250 * MIN],
    ],
  },
]

const devices: { id: string; elder: string; grid: string[]; status: [boolean, number][] }[] = [
  {
    id: 'D01',
    elder: 'E01',
    grid: haifeng,
    status: [
      [true, 80],
      [false, 15],
    ],
  },
  { id: 'D02', elder: 'E02', grid: haifeng, status: [[true, 55]] },
  { id: 'D03', elder: 'E03', grid: chengnan, status: [[true, 90]] },
  { id: 'D04', elder: 'E04', grid: chengnan, status: [[false, 5]] },
]

export function districtLines(): string[] {
  const lines: (string | undefined)[] = []
  for (const { alarm, grid, steps } of stories) {
    const subject: Subject = { grid }
    steps.forEach(([type, at, carerId], i) => {
      const entry: TimelineEntry = { seq: i + 1, type, at, ...(carerId ? { carerId } : {}) }
      lines.push(toLine(alarmEventPoint(alarm, entry, subject)))
      const response = responsePoint(alarm, entry, subject)
      if (response) lines.push(toLine(response))
    })
  }
  for (const d of devices) {
    const subject: Subject = { deviceId: d.id, elderId: d.elder, grid: d.grid }
    d.status.forEach(([online, battery], i) => {
      lines.push(toLine(statusPoint({ online, battery }, T0 + i * 30 * MIN, subject)))
    })
  }
  for (let i = 0; i < 10; i++) {
    const at = T0 + i * 10 * MIN
    const row = {
      deviceId: 'D01',
      ts: at,
      lat: 37.38 + i / 1e4,
      lon: 117.97,
      acc: 8,
      src: 'gps',
      receivedAt: at + 500,
    }
    lines.push(toLine(positionPoint(row, { deviceId: 'D01', elderId: 'E01', grid: haifeng })))
  }
  return lines.filter((l): l is string => l !== undefined)
}

/** What each panel must show over the fixture: per series (tag values joined by `/`), the sum of each column. */
export const expected: Record<string, Record<string, Record<string, number>>> = {
  'Alarms raised by kind': {
    sos: { count: 2 },
    fall: { count: 1 },
    fence_exit: { count: 1 },
    device_offline: { count: 1 },
  },
  'Alarms raised by street': { 'Haifeng St': { count: 3 }, 'Chengnan St': { count: 2 } },
  'Response time percentiles': {
    '': { 'accept p50': 60, 'accept p90': 120, 'arrive p50': 600, 'arrive p90': 1200 },
  },
  'On-time rate by street': { 'Haifeng St': { 'on time %': 50 }, 'Chengnan St': { 'on time %': 100 } },
  'Completion rate by street': { 'Haifeng St': { 'completed %': 100 }, 'Chengnan St': { 'completed %': 50 } },
  'Devices online': { '': { online: 2 } },
  'Battery by device': {
    D01: { battery: 15 },
    D02: { battery: 55 },
    D03: { battery: 90 },
    D04: { battery: 5 },
  },
  'Silent devices by street': { 'Haifeng St': { silent: 1 } },
  'Carer workload': { C01: { accepted: 2 }, C02: { accepted: 1 } },
  'Escalated alarms': { '': { count: 1 } },
  'Positions received by street': { 'Haifeng St': { count: 10 } },
}
