import '../shared/style.css'
import './login.css'
import { ApiFailure, api } from '../shared/api.ts'
import { byId, h } from '../shared/dom.ts'
import { type Key, lang, setLang, t, translate } from '../shared/i18n.ts'
import { homeOf, type Session, saveSession } from '../shared/session.ts'
import { safeNext } from './next.ts'

/**
 * Login, three ways in: a username and password (every role), a carer's phone login (carer id
 * and secret traded for a phone session, for the carer page over MQTT without a web account), or the administrator's token
 * (the only way in on a fresh gateway, before any web user exists). The role decides where it
 * goes next, or back to the page that sent us here.
 */
type LoginMode = 'password' | 'carer' | 'token'
const modes: { mode: LoginMode; label: Key }[] = [
  { mode: 'password', label: 'modePassword' },
  { mode: 'carer', label: 'modeCarer' },
  { mode: 'token', label: 'modeToken' },
]
const MODE_KEY = 'care.login.mode'

function initialMode(): LoginMode {
  const asked = new URLSearchParams(location.search).get('mode') ?? localStorage.getItem(MODE_KEY)
  return modes.some((m) => m.mode === asked) ? (asked as LoginMode) : 'password'
}

function field(label: Key, input: HTMLInputElement): HTMLElement {
  return h('label', {}, h('span', { 'data-i18n': label }), input)
}

function render(): void {
  const error = h('p', { class: 'error', role: 'alert', id: 'login-error' })
  /** One form per way in, each with its own fields (password managers keep them apart). */
  const forms: Record<LoginMode, HTMLFormElement> = {
    password: loginForm(
      'password',
      field('username', h('input', { name: 'username', required: true, autocomplete: 'username' })),
      field(
        'password',
        h('input', { name: 'password', type: 'password', required: true, autocomplete: 'current-password' }),
      ),
    ),
    carer: loginForm(
      'carer',
      field('carerId', h('input', { name: 'carerId', required: true, autocomplete: 'username' })),
      field(
        'carerSecret',
        h('input', { name: 'secret', type: 'password', required: true, autocomplete: 'current-password' }),
      ),
      h('p', { class: 'muted hint', 'data-i18n': 'carerHint' }),
    ),
    token: loginForm(
      'token',
      field(
        'adminToken',
        h('input', {
          name: 'token',
          type: 'password',
          required: true,
          minlength: 16,
          autocomplete: 'off',
          spellcheck: 'false',
        }),
      ),
      h('p', { class: 'muted hint', 'data-i18n': 'adminTokenHint' }),
    ),
  }

  const show = (mode: LoginMode) => {
    for (const [m, form] of Object.entries(forms)) form.classList.toggle('hidden', m !== mode)
    error.textContent = ''
  }

  const chooser = h(
    'fieldset',
    { class: 'modes', id: 'login-modes' },
    h('legend', { 'data-i18n': 'loginMode' }),
    ...modes.map(({ mode, label }) =>
      h(
        'label',
        { class: 'mode' },
        h('input', {
          type: 'radio',
          name: 'mode',
          value: mode,
          id: `mode-${mode}`,
          // focus stays on the choice: arrow keys go on through the ways in, Tab goes to the fields
          onchange: () => {
            localStorage.setItem(MODE_KEY, mode)
            show(mode)
          },
        }),
        h('span', { 'data-i18n': label }),
      ),
    ),
  )

  for (const [mode, form] of Object.entries(forms) as [LoginMode, HTMLFormElement][]) {
    form.addEventListener('submit', async (e) => {
      e.preventDefault()
      const data = new FormData(form)
      const text = (name: string) => String(data.get(name) ?? '').trim()
      const submit = form.querySelector('button[type=submit]') as HTMLButtonElement
      submit.disabled = true
      error.textContent = t('signingIn')
      try {
        const outcome =
          mode === 'carer'
            ? await carerLogin(text('carerId'), text('secret'))
            : mode === 'token'
              ? await tokenLogin(text('token'))
              : await passwordLogin(text('username'), String(data.get('password') ?? ''))
        if ('failure' in outcome) {
          error.textContent = outcome.failure
          return
        }
        const next = safeNext(new URLSearchParams(location.search).get('next'), location.origin)
        location.href = next ?? homeOf(outcome.role)
      } catch (err) {
        error.textContent = String(err)
      } finally {
        submit.disabled = false
      }
    })
  }

  const first = initialMode()
  const radio = chooser.querySelector<HTMLInputElement>(`#mode-${first}`)
  if (radio) radio.checked = true
  show(first)
  byId('app').append(
    h(
      'main',
      { class: 'login' },
      h('h1', { 'data-i18n': 'appName' }),
      chooser,
      forms.password,
      forms.carer,
      forms.token,
      error,
      h('button', {
        type: 'button',
        'data-i18n': 'switchLang',
        onclick: () => {
          setLang(lang() === 'en' ? 'zh-CN' : 'en')
          translate()
        },
      }),
    ),
  )
  translate()
}

function loginForm(mode: LoginMode, ...fields: HTMLElement[]): HTMLFormElement {
  return h(
    'form',
    { class: 'fields', id: `login-${mode}`, dataset: { mode } },
    ...fields,
    h('button', { type: 'submit', class: 'primary', 'data-i18n': 'login' }),
  )
}

/** What a way in comes to: the role signed in, or a message for the person. */
type Outcome = { role: Session['role'] } | { failure: string }

async function passwordLogin(username: string, password: string): Promise<Outcome> {
  try {
    const s = await api<{ token: string; role: Session['role']; expiresAt: number }>('POST', '/auth/login', {
      username,
      password,
    })
    saveSession({ ...s, username })
    return { role: s.role }
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) return { failure: t('loginFailed') }
    throw err
  }
}

/**
 * The admin token is checked against an admin-only route (the audit log, one entry): 401 is a
 * token the gateway does not know, 403 someone else's session token.
 */
async function tokenLogin(token: string): Promise<Outcome> {
  const res = await fetch('/api/v1/audit?limit=1', { headers: { authorization: `Bearer ${token}` } })
  if (res.status === 401) return { failure: t('tokenInvalid') }
  if (res.status === 403) return { failure: t('tokenNotAdmin') }
  if (!res.ok) return { failure: `${res.status} ${res.statusText}` }
  saveSession({ token, role: 'admin', username: 'admin' }, { persist: false })
  return { role: 'admin' }
}

/**
 * The carer's phone login: the carer id and secret are traded once for a phone session token
 * (`POST /auth/carer`), which the carer page uses as its MQTT password. Only the token is kept.
 * A plain fetch, not `api()`: a refused login must stay on this page with its message.
 */
async function carerLogin(carerId: string, secret: string): Promise<Outcome> {
  const res = await fetch('/api/v1/auth/carer', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ carerId, secret }),
  })
  const body = (await res.json().catch(() => ({}))) as {
    token?: string
    expiresAt?: number
    error?: { code: string; message: string }
  }
  if (res.status === 401) return { failure: t('carerLoginFailed') }
  if (body.error?.code === 'NOT_A_CARER') return { failure: t('notACarer') }
  if (!res.ok || !body.token) return { failure: body.error?.message ?? `${res.status} ${res.statusText}` }
  saveSession({
    role: 'carer',
    username: carerId,
    token: body.token,
    ...(body.expiresAt !== undefined ? { expiresAt: body.expiresAt } : {}),
    mqtt: { carerId },
  })
  return { role: 'carer' }
}

render()
