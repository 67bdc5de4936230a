import { api } from './api.ts'
import { h } from './dom.ts'
import { type Key, lang, setLang, t, translate } from './i18n.ts'
import { clearSession, type Session } from './session.ts'

const links: { href: string; key: Key; roles: Session['role'][] }[] = [
  { href: '/', key: 'navBoard', roles: ['admin', 'dispatcher'] },
  { href: '/supervision', key: 'navSupervision', roles: ['admin', 'dispatcher', 'supervisor'] },
  { href: '/carer', key: 'navCarer', roles: ['carer'] },
  { href: '/admin', key: 'navAdmin', roles: ['admin'] },
]

/** The top bar: the pages this role may open, the language switch, logout. */
export function navBar(s: Session, extra: Node[] = []): HTMLElement {
  const nav = h(
    'nav',
    { class: 'topbar', 'aria-label': 'main' },
    h('strong', { class: 'brand', 'data-i18n': 'appName' }),
    ...links
      .filter((l) => l.roles.includes(s.role))
      .map((l) =>
        h('a', {
          href: l.href,
          'data-i18n': l.key,
          ...(location.pathname === l.href ? { 'aria-current': 'page' } : {}),
        }),
      ),
    h('span', { class: 'spacer' }),
    ...extra,
    h('span', { class: 'who' }, s.mqtt ? `${s.username} · MQTT` : s.username),
    h('button', {
      type: 'button',
      id: 'lang-switch',
      'data-i18n': 'switchLang',
      onclick: () => {
        setLang(lang() === 'en' ? 'zh-CN' : 'en')
        location.reload()
      },
    }),
    h('button', {
      type: 'button',
      'data-i18n': 'logout',
      onclick: async () => {
        // the session token (a carer's phone's too) ends at the gateway; the elders' files it kept leave the phone with it
        if (s.token) await api('POST', '/auth/logout').catch(() => undefined)
        clearSession()
        for (const key of Object.keys(localStorage)) {
          if (key.startsWith('care.carer.tasks.')) localStorage.removeItem(key)
        }
        location.href = '/login'
      },
    }),
  )
  translate(nav)
  return nav
}

export { t }
