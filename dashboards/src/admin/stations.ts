import { restOf } from './account-list.ts'
import type { Section } from './section.ts'
import { newStation } from './station-form.ts'
import { stationList } from './station-list.ts'
import { stationPage } from './station-page.ts'
import { sw } from './stations-words.ts'

/**
 * Stations (服务站, a carer's base): `#/stations` the list with the carers at each, `#/stations/new`
 * adds one, `#/stations/{id}` one station and its form. Through `PUT /stations/{id}`.
 */
export const stations: Section = {
  path: 'stations',
  title: () => sw('title'),
  mount(root, rest) {
    const { id, query } = restOf(rest)
    if (id === undefined) return stationList(root)
    if (id === 'new') return newStation(root)
    return stationPage(root, id, query.has('created'))
  },
}
