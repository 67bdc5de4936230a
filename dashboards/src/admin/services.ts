import { restOf } from './account-list.ts'
import { newService, serviceList, servicePage } from './account-services.ts'
import { aw } from './accounts-words.ts'
import type { Section } from './section.ts'

/**
 * Service principals (integrations' MQTT identities): `#/services` the list, `#/services/new` adds one
 * with a secret shown once, `#/services/{id}` renames it or gives it a new secret.
 */
export const services: Section = {
  path: 'services',
  title: () => aw('services'),
  mount(root, rest) {
    const { id } = restOf(rest)
    if (id === undefined) return serviceList(root)
    if (id === 'new') return newService(root)
    return servicePage(root, id)
  },
}
