import type { CarerLocPayload, DutyPayload, ReplyPayload } from '../../kernel/contract/payloads.ts'
import type { CarerUplink } from '../../kernel/contract/topics.ts'
import { carerUplinks } from '../../kernel/contract/topics.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { AlarmLifecycle } from '../alarms/lifecycle.ts'
import type { CarerBook } from '../carers/book.ts'
import type { Audit } from '../observe/audit.ts'
import { parsePayload } from './parse.ts'

export interface CarerIngestDeps {
  carers: CarerBook
  alarms: AlarmLifecycle
  audit: Audit
  clock: Clock
  log: Logger
  metrics: Metrics
}

/** Carer uplinks over MQTT: position, duty and replies to offers. */
export class CarerIngest {
  readonly #d: CarerIngestDeps

  constructor(deps: CarerIngestDeps) {
    this.#d = deps
  }

  async handle(carerId: string, leaf: CarerUplink, payload: Buffer): Promise<void> {
    const parsed = parsePayload(carerUplinks[leaf], payload)
    if (!parsed.ok) {
      this.#d.metrics.inc('care_uplinks_rejected_total', { topic: `carer_${leaf}`, reason: parsed.reason })
      this.#d.log.warn(
        { carerId, topic: leaf, reason: parsed.reason, detail: parsed.detail },
        'uplink dropped',
      )
      return
    }
    const now = this.#d.clock.now()
    this.#d.metrics.inc('care_uplinks_total', { topic: `carer_${leaf}` })
    switch (leaf) {
      case 'loc': {
        const loc = parsed.value as CarerLocPayload
        // freshness is judged by the gateway's receive time: a phone's clock may be off by hours
        await this.#d.carers.setPosition(carerId, { lat: loc.lat, lon: loc.lon }, now)
        return
      }
      case 'duty':
        await this.#d.carers.setDuty(carerId, (parsed.value as DutyPayload).status, now)
        return
      case 'reply': {
        const reply = parsed.value as ReplyPayload
        const result = await this.#d.alarms.reply(carerId, reply)
        if (!result.ok) {
          // contract: a late accept over MQTT is ignored with an audit entry
          this.#d.audit.record({
            actor: carerId,
            action: 'mqtt.reply_refused',
            target: reply.alarmId,
            detail: { action: reply.action, code: result.code },
          })
        }
        return
      }
    }
  }
}
