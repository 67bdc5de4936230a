import type { Visit } from './model.ts'

/**
 * The service ledger (服务台账): every visit and report as one row — who, where, when, how long, what
 * was flagged and found. The CSV export and the page's table read the same columns.
 */
export const ledgerColumns = [
  'visitId',
  'kind',
  'status',
  'elderId',
  'risk',
  'grid',
  'carerId',
  'stationId',
  'dueDay',
  'signInAt',
  'signInLat',
  'signInLon',
  'signInDistanceM',
  'signOutAt',
  'signOutLat',
  'signOutLon',
  'onSiteMin',
  'flags',
  'photos',
  'condition',
  'needs',
  'note',
  'next',
  'alarmId',
] as const

/** One ledger row's cells, in `ledgerColumns` order; times as ISO 8601 (UTC). */
export function ledgerRow(v: Visit): string[] {
  const iso = (at: number | undefined) => (at === undefined ? '' : new Date(at).toISOString())
  const num = (n: number | undefined) => (n === undefined ? '' : String(n))
  return [
    v.id,
    v.kind,
    v.status,
    v.elderId,
    v.risk,
    v.grid.join('/'),
    v.carerId ?? '',
    v.stationId ?? '',
    v.dueDay,
    iso(v.signIn?.at),
    num(v.signIn?.lat),
    num(v.signIn?.lon),
    num(v.signIn?.distanceM),
    iso(v.signOut?.at),
    num(v.signOut?.lat),
    num(v.signOut?.lon),
    v.onSiteS === undefined ? '' : (v.onSiteS / 60).toFixed(1),
    v.flags.join(' '),
    String(v.photos.length),
    v.report?.condition ?? '',
    v.report?.needs.join(' ') ?? '',
    v.report?.note ?? '',
    v.report?.next ?? '',
    v.helpAlarmId ?? v.missedAlarmId ?? '',
  ]
}
