import '../shared/style.css'
import './admin.css'
import { byId, h } from '../shared/dom.ts'
import { translate } from '../shared/i18n.ts'
import { type LiveStatus, LiveStream } from '../shared/live.ts'
import type { LiveMessage } from '../shared/model.ts'
import { navBar } from '../shared/nav.ts'
import { requireSession } from '../shared/session.ts'
import { audit } from './audit.ts'
import { carers } from './carers.ts'
import { devices } from './devices.ts'
import { elders } from './elders.ts'
import { importer } from './import.ts'
import type { Section, SectionView } from './section.ts'
import { services } from './services.ts'
import { stations } from './stations.ts'
import { users } from './users.ts'
import { w } from './words.ts'

/**
 * The admin console (`/admin`): the registry in the browser. Every change goes through the API
 * with its validation; the tabs are sections reached by the hash, so a file can be linked to
 * (`/admin#/elders/E001`) and the browser's back button works.
 */
const session = requireSession(['admin'])
const sections: readonly Section[] = [elders, devices, carers, stations, users, services, importer, audit]

const status = h('span', { class: 'status', id: 'live-status', role: 'status', 'aria-live': 'polite' })
const tabs = h('nav', { class: 'admin-tabs', id: 'admin-tabs', 'aria-label': w('sections') })
const content = h('section', { class: 'admin-content', id: 'admin-content' })

byId('app').append(navBar(session, [status]), h('main', { class: 'admin' }, tabs, content))
translate()

let shown: SectionView | undefined
let lastSnapshot: LiveMessage | undefined

/** `#/elders/E001` → ['elders', 'E001'] (each part decoded). */
function route(): string[] {
  return location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter(Boolean)
    .map((part) => decodeURIComponent(part))
}

function render(): void {
  const [first, ...rest] = route()
  const section = sections.find((s) => s.path === first) ?? (sections[0] as Section)
  tabs.replaceChildren(
    ...sections.map((s) =>
      h(
        'a',
        {
          href: `#/${s.path}`,
          id: `tab-${s.path}`,
          ...(s === section ? { 'aria-current': 'page' } : {}),
        },
        s.title(),
      ),
    ),
  )
  shown?.leave?.()
  content.replaceChildren()
  content.dataset.section = section.path
  shown = section.mount(content, first === section.path ? rest : [])
  // a section shown after the snapshot came still starts from the state now
  if (lastSnapshot) shown.onLive?.(lastSnapshot)
}

function onLive(message: LiveMessage): void {
  if (message.type === 'snapshot') lastSnapshot = message
  shown?.onLive?.(message)
}

function onStatus(s: LiveStatus): void {
  status.textContent = w(`live_${s}`)
  status.dataset.status = s
}

window.addEventListener('hashchange', render)
render()
new LiveStream(onLive, onStatus).start()
