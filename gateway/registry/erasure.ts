import type { Store } from '../store/db.ts'

type Row = Record<string, unknown>

/**
 * An elder's personal data, for an export request and for erasure (PIPL:
 * the people whose data we hold may see it and have it deleted).
 */
export function exportElder(store: Store, elderId: string): Record<string, unknown> | undefined {
  const db = store.db
  const elder = db.prepare('SELECT * FROM elders WHERE id = ?').get(elderId) as Row | undefined
  if (!elder) return undefined
  const devices = (db.prepare('SELECT * FROM devices WHERE elder_id = ?').all(elderId) as Row[]).map(
    ({ secret_hash: _secret, ...d }) => d,
  )
  const deviceIds = devices.map((d) => String(d.id))
  const alarms = (
    db.prepare('SELECT * FROM alarms WHERE elder_id = ? ORDER BY raised_at').all(elderId) as Row[]
  ).map((a) => ({
    ...a,
    timeline: db.prepare('SELECT * FROM alarm_timeline WHERE alarm_id = ? ORDER BY seq').all(String(a.id)),
  }))
  const perDevice = (table: 'positions' | 'vitals') =>
    deviceIds.flatMap(
      (id) => db.prepare(`SELECT * FROM ${table} WHERE device_id = ? ORDER BY ts`).all(id) as Row[],
    )
  return {
    elder: { ...elder, doc: JSON.parse(String(elder.doc)) as unknown },
    devices,
    alarms,
    positions: perDevice('positions'),
    vitals: perDevice('vitals'),
  }
}

export interface ErasureReport {
  devices: string[]
  positions: number
  vitals: number
  alarmsKept: number
}

/**
 * Delete the elder, their devices and every position, vital and message of
 * those devices. Closed alarms stay for the bureau's statistics, but no
 * longer name the elder (their id becomes `pseudonym`) and lose their free
 * text notes. One transaction: all of it or none.
 */
export function eraseElder(store: Store, elderId: string, pseudonym: string): ErasureReport {
  return store.tx(() => {
    const db = store.db
    const devices = (db.prepare('SELECT id FROM devices WHERE elder_id = ?').all(elderId) as Row[]).map((d) =>
      String(d.id),
    )
    let positions = 0
    let vitals = 0
    for (const id of devices) {
      positions += Number(db.prepare('DELETE FROM positions WHERE device_id = ?').run(id).changes)
      vitals += Number(db.prepare('DELETE FROM vitals WHERE device_id = ?').run(id).changes)
      db.prepare('DELETE FROM device_messages WHERE device_id = ?').run(id)
    }
    db.prepare('DELETE FROM devices WHERE elder_id = ?').run(elderId)
    db.prepare('DELETE FROM fence_state WHERE elder_id = ?').run(elderId)
    db.prepare(
      'UPDATE alarm_timeline SET note = NULL WHERE alarm_id IN (SELECT id FROM alarms WHERE elder_id = ?)',
    ).run(elderId)
    // a device that raised or cancelled an alarm is the actor of that entry: it goes under the pseudonym too
    for (const id of devices) {
      db.prepare(
        'UPDATE alarm_timeline SET actor = ? WHERE actor = ? AND alarm_id IN (SELECT id FROM alarms WHERE elder_id = ?)',
      ).run(pseudonym, id, elderId)
    }
    const kept = db
      .prepare('UPDATE alarms SET elder_id = ?, device_id = NULL WHERE elder_id = ?')
      .run(pseudonym, elderId)
    db.prepare('DELETE FROM elders WHERE id = ?').run(elderId)
    return { devices, positions, vitals, alarmsKept: Number(kept.changes) }
  })
}
