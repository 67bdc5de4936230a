import { restOf } from './account-list.ts'
import { aw } from './accounts-words.ts'
import { newCarer } from './carer-form.ts'
import { carerList } from './carer-list.ts'
import { carerPage } from './carer-page.ts'
import type { Section } from './section.ts'

/**
 * Carers: `#/carers` the list with live duty, `#/carers/new` adds one, `#/carers/{id}` one carer — their
 * record, a new secret, duty on their behalf. Through `PUT /carers/{id}` and `POST /carers/{id}/duty`.
 */
export const carers: Section = {
  path: 'carers',
  title: () => aw('carers'),
  mount(root, rest) {
    const { id } = restOf(rest)
    if (id === undefined) return carerList(root)
    if (id === 'new') return newCarer(root)
    return carerPage(root, id)
  },
}
