import { restOf } from './account-list.ts'
import { aw } from './accounts-words.ts'
import { ElderNames } from './device-elders.ts'
import { newDevice } from './device-form.ts'
import { deviceList } from './device-list.ts'
import { devicePage } from './device-page.ts'
import type { Section } from './section.ts'

/**
 * Devices: `#/devices` the list, `#/devices/new` (`?elder=E1`) registers one, `#/devices/{id}` one
 * device — re-bind, secret, commands. Everything through `PUT /devices/{id}` and its validation.
 */
export const devices: Section = {
  path: 'devices',
  title: () => aw('devices'),
  mount(root, rest) {
    const { id, query } = restOf(rest)
    const names = new ElderNames()
    const elder = query.get('elder') ?? undefined
    if (id === undefined) return deviceList(root)
    if (id === 'new') return newDevice(root, names, elder)
    return devicePage(root, id, names, elder)
  },
}
