import type { Carer } from '../../../gateway/registry/schemas.ts'
import { api } from '../shared/api.ts'
import { t } from '../shared/i18n.ts'
import type { LiveCarer } from '../shared/model.ts'
import { seg } from './account-list.ts'
import { ago } from './account-time.ts'
import { aw } from './accounts-words.ts'

/** What the list and the page show of a carer: the registry's record, with the live stream's word on top. */
export interface CarerNow {
  duty: 'on' | 'off'
  busy: boolean
  position: { lat: number; lon: number; at: number } | undefined
  alarmsToday: number | undefined
}

export function carerNow(record: Carer, live: LiveCarer | undefined): CarerNow {
  return {
    duty: live?.duty ?? record.duty,
    busy: live?.busy ?? false,
    position: live?.position ?? record.position,
    alarmsToday: live?.alarmsToday,
  }
}

export function dutyWord(now: Pick<CarerNow, 'duty' | 'busy'>): string {
  if (now.duty === 'off') return t('offDuty')
  return now.busy ? t('busy') : t('onDuty')
}

export function fixAge(now: CarerNow, gatewayNow: number): string {
  return now.position ? ago(gatewayNow - now.position.at) : aw('noFix')
}

/**
 * Puts a carer on or off duty on their behalf: `POST /carers/{id}/duty`, the route the carer's own
 * phone may use over HTTP, open to the centre's admins and dispatchers, and recorded in the audit log
 * (`carer.duty`, with who did it). The live stream then tells every board.
 */
export function setDuty(
  id: string,
  status: 'on' | 'off',
): Promise<{ id: string; duty: 'on' | 'off'; busy: boolean }> {
  return api('POST', `/carers/${seg(id)}/duty`, { status })
}
