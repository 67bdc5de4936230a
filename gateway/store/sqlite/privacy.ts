import type { ElderExport, ErasureReport, PrivacyRepository } from '../../registry/ports.ts'
import type { Store } from '../db.ts'
import { elderExport, elderTags, RECORD_HISTORY_ERASURE, type Row } from '../rows/privacy.ts'

const none = { waiting: 0, rejected: 0 }

export interface SqlitePrivacyOptions {
  /**
   * Set when history goes to a TSDB: the point classes an erasure removes from the outbox (where
   * people were and their readings; history's `erasedClasses`). The erasure then also records the
   * job that deletes the elder's series already written.
   */
  history?: { classes: readonly string[] } | undefined
}

/** An elder's data across the store, for export and erasure (PIPL). */
export class SqlitePrivacy implements PrivacyRepository {
  readonly #store: Store
  readonly #options: SqlitePrivacyOptions

  constructor(store: Store, options: SqlitePrivacyOptions = {}) {
    this.#store = store
    this.#options = options
  }

  async exportElder(elderId: string): Promise<ElderExport | undefined> {
    const db = this.#store.db
    const elder = db.prepare('SELECT * FROM elders WHERE id = ?').get(elderId) as Row | undefined
    if (!elder) return undefined
    const devices = db.prepare('SELECT * FROM devices WHERE elder_id = ?').all(elderId) as Row[]
    const timeline = db.prepare('SELECT * FROM alarm_timeline WHERE alarm_id = ? ORDER BY seq')
    const perDevice = (table: 'positions' | 'vitals' | 'radio_scans') => {
      const statement = db.prepare(`SELECT * FROM ${table} WHERE device_id = ? ORDER BY ts`)
      return devices.flatMap((d) => statement.all(String(d.id)) as Row[])
    }
    return elderExport({
      elder,
      devices,
      alarms: db.prepare('SELECT * FROM alarms WHERE elder_id = ? ORDER BY raised_at').all(elderId) as Row[],
      timeline: (alarmId) => timeline.all(alarmId) as Row[],
      positions: perDevice('positions'),
      vitals: perDevice('vitals'),
      scans: perDevice('radio_scans'),
      visits: db.prepare('SELECT doc FROM visits WHERE elder_id = ? ORDER BY day_n').all(elderId) as Row[],
      plan: db.prepare('SELECT doc FROM visit_plans WHERE elder_id = ?').get(elderId) as Row | undefined,
    })
  }

  async eraseElder(elderId: string, pseudonym: string, at: number): Promise<ErasureReport | undefined> {
    const store = this.#store
    return store.tx(() => {
      const db = store.db
      if (db.prepare('SELECT 1 FROM elders WHERE id = ?').get(elderId) === undefined) return undefined
      const devices = (db.prepare('SELECT id FROM devices WHERE elder_id = ?').all(elderId) as Row[]).map(
        (d) => String(d.id),
      )
      let positions = 0
      let vitals = 0
      for (const id of devices) {
        positions += Number(db.prepare('DELETE FROM positions WHERE device_id = ?').run(id).changes)
        vitals += Number(db.prepare('DELETE FROM vitals WHERE device_id = ?').run(id).changes)
        db.prepare('DELETE FROM radio_scans WHERE device_id = ?').run(id)
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
      const { visits, photos } = eraseVisits(db, elderId)
      const history = this.#options.history
        ? this.#eraseHistory(elderId, this.#options.history.classes, at)
        : none
      return { devices, positions, vitals, alarmsKept: Number(kept.changes), history, visits, photos }
    })
  }

  /** The elder's points in the outbox, waiting or set aside, deleted; the TSDB job recorded. */
  #eraseHistory(elderId: string, classes: readonly string[], at: number): ErasureReport['history'] {
    const db = this.#store.db
    // instr, not LIKE: SQLite's LIKE ignores ASCII case, and another elder's id may differ only in case
    const where = `cls IN (${classes.map(() => '?').join(', ')}) AND (instr(line, ?) > 0 OR instr(line, ?) > 0)`
    const args = [...classes, ...elderTags(elderId)]
    const rejected = db.prepare(`DELETE FROM history_rejected WHERE ${where}`).run(...args).changes
    const waiting = db.prepare(`DELETE FROM history_outbox WHERE ${where}`).run(...args).changes
    db.prepare(RECORD_HISTORY_ERASURE).run(elderId, at)
    return { waiting: Number(waiting), rejected: Number(rejected) }
  }
}

/** The elder's visits, plan and photo references; the photos no other visit refers to. */
function eraseVisits(db: Store['db'], elderId: string): { visits: number; photos: string[] } {
  const theirs = (
    db.prepare('SELECT DISTINCT photo_id FROM visit_photos WHERE elder_id = ?').all(elderId) as Row[]
  ).map((r) => String(r.photo_id))
  db.prepare('DELETE FROM visit_photos WHERE elder_id = ?').run(elderId)
  db.prepare('DELETE FROM visit_plans WHERE elder_id = ?').run(elderId)
  const visits = Number(db.prepare('DELETE FROM visits WHERE elder_id = ?').run(elderId).changes)
  const used = db.prepare('SELECT 1 FROM visit_photos WHERE photo_id = ? LIMIT 1')
  return { visits, photos: theirs.filter((id) => used.get(id) === undefined) }
}
