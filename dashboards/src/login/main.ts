import '../shared/style.css'
import './login.css'
import { ApiFailure, api } from '../shared/api.ts'
import { byId, h } from '../shared/dom.ts'
import { lang, setLang, t, translate } from '../shared/i18n.ts'
import { homeOf, type Session, saveSession } from '../shared/session.ts'

/** Login: one form; the role decides where it goes next (or back to the page that sent us here). */
function render(): void {
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' })
  const form = h(
    'form',
    { class: 'login', id: 'login-form' },
    h('h1', { 'data-i18n': 'appName' }),
    h(
      'label',
      {},
      h('span', { 'data-i18n': 'username' }),
      h('input', { name: 'username', required: true, autocomplete: 'username' }),
    ),
    h(
      'label',
      {},
      h('span', { 'data-i18n': 'password' }),
      h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
    ),
    h('button', { type: 'submit', class: 'primary', 'data-i18n': 'login' }),
    error,
    h('button', {
      type: 'button',
      'data-i18n': 'switchLang',
      onclick: () => {
        setLang(lang() === 'en' ? 'zh-CN' : 'en')
        translate()
      },
    }),
  )
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    const data = new FormData(form)
    const username = String(data.get('username') ?? '')
    try {
      const s = await api<Omit<Session, 'username'>>('POST', '/auth/login', {
        username,
        password: String(data.get('password') ?? ''),
      })
      saveSession({ ...s, username })
      const next = new URLSearchParams(location.search).get('next')
      location.href = next?.startsWith('/') && !next.startsWith('//') ? next : homeOf(s.role)
    } catch (err) {
      error.textContent = err instanceof ApiFailure && err.status === 401 ? t('loginFailed') : String(err)
    }
  })
  byId('app').append(form)
  translate()
}

render()
