import type { ElderExport, ErasureReport, PrivacyRepository } from '../../registry/ports.ts'
import { elderExport, elderTags, RECORD_HISTORY_ERASURE, type Row } from '../rows/privacy.ts'
import type { PgStore, Queryable } from './db.ts'
import { dropVisits } from './visits.ts'

const none = { waiting: 0, rejected: 0 }
/** The elder's devices, as a condition on a `device_id` column (the elder's id its parameter). */
const THEIR_DEVICES = 'device_id IN (SELECT id FROM devices WHERE elder_id = ?)'
const THEIR_ALARMS = 'alarm_id IN (SELECT id FROM alarms WHERE elder_id = ?)'

export interface PgPrivacyOptions {
  /**
   * Set when history goes to a TSDB: the point classes an erasure removes from the outbox (where
   * people were and their readings; history's `erasedClasses`). The erasure then also records the
   * job that deletes the elder's series already written.
   */
  history?: { classes: readonly string[] } | undefined
}

/** An elder's data across the cluster's store, for export and erasure (PIPL). */
export class PgPrivacy implements PrivacyRepository {
  readonly #store: PgStore
  readonly #options: PgPrivacyOptions

  constructor(store: PgStore, options: PgPrivacyOptions = {}) {
    this.#store = store
    this.#options = options
  }

  async exportElder(elderId: string): Promise<ElderExport | undefined> {
    return this.#store.tx(async (q) => {
      // every read from one snapshot: the export is the store as it stood at one moment
      await q.run('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY')
      const elder = await q.one<Row>('SELECT * FROM elders WHERE id = ?', [elderId])
      if (!elder) return undefined
      const devices = await q.rows<Row>('SELECT * FROM devices WHERE elder_id = ? ORDER BY created_at, id', [
        elderId,
      ])
      // each device's readings together, in the devices' order, as SQLite lists them
      const order = new Map(devices.map((d, i) => [String(d.id), i]))
      const perDevice = async (table: 'positions' | 'vitals' | 'radio_scans') => {
        const rows = await q.rows<Row>(`SELECT * FROM ${table} WHERE ${THEIR_DEVICES} ORDER BY ts`, [elderId])
        return rows.sort(
          (a, b) => (order.get(String(a.device_id)) ?? 0) - (order.get(String(b.device_id)) ?? 0),
        )
      }
      const timelines = Map.groupBy(
        await q.rows<Row>(`SELECT * FROM alarm_timeline WHERE ${THEIR_ALARMS} ORDER BY alarm_id, seq`, [
          elderId,
        ]),
        (entry) => String(entry.alarm_id),
      )
      return elderExport({
        elder,
        devices,
        alarms: await q.rows<Row>('SELECT * FROM alarms WHERE elder_id = ? ORDER BY raised_at', [elderId]),
        timeline: (alarmId) => timelines.get(alarmId) ?? [],
        positions: await perDevice('positions'),
        vitals: await perDevice('vitals'),
        scans: await perDevice('radio_scans'),
        visits: await q.rows<Row>('SELECT doc FROM visits WHERE elder_id = ? ORDER BY day_n', [elderId]),
        plan: await q.one<Row>('SELECT doc FROM visit_plans WHERE elder_id = ?', [elderId]),
      })
    })
  }

  async eraseElder(elderId: string, pseudonym: string, at: number): Promise<ErasureReport | undefined> {
    return this.#store.tx(async (q) => {
      // the elder's row locked first: an erasure of the same elder on another node waits, then finds none
      if ((await q.one('SELECT 1 FROM elders WHERE id = ? FOR UPDATE', [elderId])) === undefined)
        return undefined
      const devices = (
        await q.rows<{ id: string }>('SELECT id FROM devices WHERE elder_id = ? ORDER BY created_at, id', [
          elderId,
        ])
      ).map((d) => d.id)
      const positions = await q.run(`DELETE FROM positions WHERE ${THEIR_DEVICES}`, [elderId])
      const vitals = await q.run(`DELETE FROM vitals WHERE ${THEIR_DEVICES}`, [elderId])
      await q.run(`DELETE FROM radio_scans WHERE ${THEIR_DEVICES}`, [elderId])
      await q.run(`DELETE FROM device_messages WHERE ${THEIR_DEVICES}`, [elderId])
      await q.run(`UPDATE alarm_timeline SET note = NULL WHERE ${THEIR_ALARMS}`, [elderId])
      // a device that raised or cancelled an alarm is the actor of that entry: it goes under the pseudonym too
      await q.run(
        `UPDATE alarm_timeline SET actor = ? WHERE ${THEIR_ALARMS}
           AND actor IN (SELECT id FROM devices WHERE elder_id = ?)`,
        [pseudonym, elderId, elderId],
      )
      await q.run('DELETE FROM devices WHERE elder_id = ?', [elderId])
      await q.run('DELETE FROM fence_state WHERE elder_id = ?', [elderId])
      const alarmsKept = await q.run('UPDATE alarms SET elder_id = ?, device_id = NULL WHERE elder_id = ?', [
        pseudonym,
        elderId,
      ])
      await q.run('DELETE FROM elders WHERE id = ?', [elderId])
      const { visits, photos } = await dropVisits(q, 'elder_id = ?', [elderId])
      const classes = this.#options.history?.classes
      const history = classes ? await eraseHistory(q, elderId, classes, at) : none
      return { devices, positions, vitals, alarmsKept, history, visits, photos }
    })
  }
}

/** The elder's points in the outbox, waiting or set aside, deleted; the TSDB job recorded. */
async function eraseHistory(
  q: Queryable,
  elderId: string,
  classes: readonly string[],
  at: number,
): Promise<ErasureReport['history']> {
  // strpos, not LIKE: the tag is text to find, case and all
  const where = `cls IN (${classes.map(() => '?').join(', ')}) AND (strpos(line, ?) > 0 OR strpos(line, ?) > 0)`
  const args = [...classes, ...elderTags(elderId)]
  const rejected = await q.run(`DELETE FROM history_rejected WHERE ${where}`, args)
  const waiting = await q.run(`DELETE FROM history_outbox WHERE ${where}`, args)
  await q.run(RECORD_HISTORY_ERASURE, [elderId, at])
  return { waiting, rejected }
}
