import type { Role, User } from '../../../gateway/registry/schemas.ts'
import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { aboutField, choice, input, say, typed } from './account-form.ts'
import { type Page, seg } from './account-list.ts'
import { aw, awOf } from './accounts-words.ts'
import { field, submitting } from './form.ts'
import type { SectionView } from './section.ts'

/** The roles a web user may have (gateway/registry/schemas.ts `roles`). */
export const roles = ['admin', 'dispatcher', 'supervisor', 'carer'] as const satisfies readonly Role[]

/** The refusals that are about one field of the user form. */
const userFields = { LAST_ADMIN: 'role', UNKNOWN_CARER: 'carerId' } as const

/**
 * The user form, new (`user` undefined: username and password asked) or an existing user (the password
 * box resets it when filled, keeps it when left empty). The grid shows for a supervisor, the carer id
 * for a carer login; what is typed in a hidden one is kept but not sent.
 */
function userForm(user: User | undefined): HTMLFormElement {
  const role = choice(
    'role',
    roles.map((r) => [r, awOf('role', r)] as const),
    user?.role ?? 'dispatcher',
  )
  const grid = field(aw('gridScope'), input('grid', { value: (user?.grid ?? []).join('/') }), aw('gridHint'))
  const carer = field(aw('carerLogin'), input('carerId', { value: user?.carerId ?? '', list: 'carer-ids' }))
  const carerIds = h('datalist', { id: 'carer-ids' })
  const password = user
    ? field(
        aw('newPassword'),
        input('password', { type: 'password', autocomplete: 'new-password' }),
        aw('newPasswordHint'),
      )
    : field(
        aw('password'),
        input('password', { type: 'password', autocomplete: 'new-password' }),
        aw('passwordHint'),
      )
  const shown = () => {
    grid.hidden = role.value !== 'supervisor'
    carer.hidden = role.value !== 'carer'
  }
  role.addEventListener('change', shown)
  shown()
  // the carers' ids offered in the carer box: the first page is plenty to pick from, typing does the rest
  void api<Page<{ id: string; name: string }>>('GET', '/carers?limit=500').then(
    (page) => carerIds.replaceChildren(...page.items.map((c) => h('option', { value: c.id }, c.name))),
    () => undefined,
  )
  return h(
    'form',
    { class: 'account-form', id: 'user-form', novalidate: true },
    user ? undefined : field(aw('username'), input('username', { required: true, autocomplete: 'off' })),
    field(aw('role'), role),
    field(aw('displayName'), input('name', { value: user?.name ?? '' })),
    grid,
    carer,
    carerIds,
    password,
  )
}

/** The PUT body: only what the role uses, the password only when one was typed (never trimmed). */
function userBody(form: HTMLFormElement): Record<string, unknown> {
  const role = typed(form, 'role')
  const name = typed(form, 'name')
  const grid = typed(form, 'grid')
    .split('/')
    .map((g) => g.trim())
    .filter(Boolean)
  const carerId = typed(form, 'carerId')
  const password = (form.elements.namedItem('password') as HTMLInputElement | null)?.value ?? ''
  return {
    role,
    ...(name ? { name } : {}),
    ...(role === 'supervisor' && grid.length > 0 ? { grid } : {}),
    ...(role === 'carer' && carerId ? { carerId } : {}),
    ...(password ? { password } : {}),
  }
}

/** `#/users/new`: a web user, with the password the admin gives them. */
export function newUser(root: HTMLElement): SectionView {
  const form = userForm(undefined)
  form.append(
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'primary' }, aw('addUser'))),
  )
  const box = h('div', { class: 'account-page' }, form)
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('addUser')),
      h('a', { href: '#/users' }, aw('backToList')),
    ),
    box,
  )
  form.querySelector<HTMLInputElement>('[name=username]')?.focus()
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    void submitting(form, async () => {
      const username = typed(form, 'username')
      if (!username) return say(form, 'username', aw('required'))
      // an existing user is changed on their page, never overwritten from here
      const known = await api<User>('GET', `/users/${seg(username)}`).catch((error: unknown) => {
        if (error instanceof ApiFailure && error.code === 'USER_NOT_FOUND') return undefined
        throw error
      })
      if (known) return say(form, 'username', aw('userExists', { id: username }))
      await api<User>('PUT', `/users/${seg(username)}`, userBody(form)).catch((error: unknown) => {
        throw aboutField(error, userFields)
      })
      location.hash = `#/users/${seg(username)}?created`
    })
  })
  return {}
}

/** `#/users/{username}`: role, name, grid scope, carer login and a new password. */
export function userPage(root: HTMLElement, username: string, created: boolean): SectionView {
  const page = h('div', { class: 'account-page' }, h('p', { class: 'muted' }, aw('loading')))
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('userTitle', { id: username })),
      h('a', { href: '#/users' }, aw('backToList')),
    ),
    page,
  )
  void api<User>('GET', `/users/${seg(username)}`).then(
    (user) => {
      const done = h(
        'span',
        { class: 'saved', id: 'user-saved', role: 'status' },
        created ? aw('userCreated') : '',
      )
      const form = userForm(user)
      form.append(
        h(
          'div',
          { class: 'form-actions' },
          h('button', { type: 'submit', class: 'primary' }, aw('save')),
          done,
        ),
      )
      page.replaceChildren(form)
      form.addEventListener('submit', (event) => {
        event.preventDefault()
        done.textContent = ''
        void submitting(form, async () => {
          await api<User>('PUT', `/users/${seg(username)}`, userBody(form)).catch((error: unknown) => {
            throw aboutField(error, userFields)
          })
          // the password did its work: it is not left in the page
          const password = form.elements.namedItem('password')
          if (password instanceof HTMLInputElement) password.value = ''
          done.textContent = aw('saved')
        })
      })
    },
    (error: unknown) => {
      const text =
        error instanceof ApiFailure && error.code === 'USER_NOT_FOUND'
          ? aw('notFound', { id: username })
          : aw('loadFailed', { message: error instanceof Error ? error.message : String(error) })
      page.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, text))
    },
  )
  return {}
}
