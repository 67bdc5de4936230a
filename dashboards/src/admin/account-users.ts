import { html, nothing, render } from 'lit-html'
import type { User } from '../../../gateway/registry/schemas.ts'
import { api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { listTable, Paged, seg } from './account-list.ts'
import { aw, awOf } from './accounts-words.ts'
import type { SectionView } from './section.ts'

/**
 * The web users, newest first (`GET /users`), each with its role, grid scope, carer login and whether
 * it may sign in; disable, enable and delete from the row. A refusal (`LAST_ADMIN`: the last way in as
 * an admin) is shown in the row, beside the button that asked.
 */
export function userList(root: HTMLElement): SectionView {
  const list = new Paged<User>('/users')
  const refused = new Map<string, string>()
  const asking = new Set<string>()
  const said = h('p', { class: 'muted', id: 'users-said', role: 'status' })
  const body = h('div', { id: 'user-list' })
  let gone = false
  root.append(
    h(
      'header',
      { class: 'account-head' },
      h('h2', {}, aw('users')),
      h('a', { href: '#/users/new', id: 'user-new', class: 'button primary' }, `＋ ${aw('addUser')}`),
    ),
    said,
    body,
  )
  const draw = () => {
    if (!gone) render(table(), body)
  }
  const more = async () => {
    const loading = list.more()
    draw()
    await loading
    draw()
  }

  /** One action on one user; the row shows its refusal, the list its result. */
  const act = async (u: User, what: 'disable' | 'enable' | 'delete') => {
    refused.delete(u.username)
    said.textContent = ''
    try {
      if (what === 'delete') {
        await api('DELETE', `/users/${seg(u.username)}`)
        list.items.splice(list.items.indexOf(u), 1)
        said.textContent = aw('deleted', { id: u.username })
      } else {
        const changed = await api<User>('POST', `/users/${seg(u.username)}/${what}`)
        list.items.splice(list.items.indexOf(u), 1, changed)
      }
    } catch (error) {
      refused.set(u.username, error instanceof Error ? error.message : String(error))
    }
    asking.delete(u.username)
    draw()
  }

  const ask = (u: User, yes: boolean) => {
    if (yes) asking.add(u.username)
    else asking.delete(u.username)
    draw()
    const focus = yes ? 'delete-yes' : 'delete'
    body.querySelector<HTMLElement>(`tr[data-username="${CSS.escape(u.username)}"] .${focus}`)?.focus()
  }

  const row = (u: User) => {
    const toggle = u.disabled ? 'enable' : 'disable'
    return html`<tr class="user-row" data-username=${u.username} data-disabled=${String(u.disabled)}>
      <td><a href="#/users/${seg(u.username)}">${u.username}</a></td>
      <td class="name">${u.name ?? ''}</td>
      <td class="role">${awOf('role', u.role)}</td>
      <td class="grid">${(u.grid ?? []).join(' / ')}</td>
      <td class="carer">${u.carerId ?? ''}</td>
      <td class="status">${u.disabled ? aw('disabled') : aw('enabled')}</td>
      <td class="actions">
        <button type="button" class=${toggle} @click=${() => void act(u, toggle)}>${aw(toggle)}</button>
        ${
          asking.has(u.username)
            ? html`<button type="button" class="danger delete-yes" @click=${() => void act(u, 'delete')}>
                  ${aw('confirmDelete', { id: u.username })}
                </button>
                <button type="button" class="delete-no" @click=${() => ask(u, false)}>${aw('cancel')}</button>`
            : html`<button type="button" class="delete" @click=${() => ask(u, true)}>${aw('delete')}</button>`
        }
        ${refused.has(u.username) ? html`<span class="row-error" role="alert">${refused.get(u.username)}</span>` : nothing}
      </td>
    </tr>`
  }

  const table = () =>
    listTable({
      id: 'users-table',
      headings: ['username', 'displayName', 'role', 'gridScope', 'carerLogin', 'status', 'actions'],
      list,
      key: (u) => u.username,
      row,
      more,
    })

  void more()
  return {
    leave() {
      gone = true
    },
  }
}
