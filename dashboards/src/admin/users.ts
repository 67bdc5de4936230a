import { restOf } from './account-list.ts'
import { newUser, userPage } from './account-user-form.ts'
import { userList } from './account-users.ts'
import { aw } from './accounts-words.ts'
import type { Section } from './section.ts'

/**
 * Web users: `#/users` the list (disable, enable, delete), `#/users/new` adds one, `#/users/{username}`
 * changes role, grid scope, carer login or password. Through `PUT /users/{username}` and its neighbours.
 */
export const users: Section = {
  path: 'users',
  title: () => aw('users'),
  mount(root, rest) {
    const { id, query } = restOf(rest)
    if (id === undefined) return userList(root)
    if (id === 'new') return newUser(root)
    return userPage(root, id, query.has('created'))
  },
}
