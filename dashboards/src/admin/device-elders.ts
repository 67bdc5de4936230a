import { api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import type { Elder } from '../shared/model.ts'
import { seg } from './account-list.ts'
import { aw } from './accounts-words.ts'

/**
 * The elders' names the device pages show beside an elder id, each read once (`GET /elders/{id}`) and
 * kept while the section is shown: a page of devices names at most a page of elders.
 */
export class ElderNames {
  readonly #known = new Map<string, Promise<Elder | undefined>>()

  get(id: string): Promise<Elder | undefined> {
    let found = this.#known.get(id)
    if (!found) {
      // a miss is not kept: the elder may be registered a moment later
      found = api<Elder>('GET', `/elders/${seg(id)}`).catch(() => {
        this.#known.delete(id)
        return undefined
      })
      this.#known.set(id, found)
    }
    return found
  }
}

/**
 * The elder id box of the device form: as the admin types, elders matching the word (`GET /elders?q=`)
 * are offered in a list the browser shows under the box (name and phone beside the id), and the name
 * of the elder whose id is in the box is shown under it, or that there is none.
 */
export function elderPicker(control: HTMLInputElement, names: ElderNames): HTMLElement {
  const options = h('datalist', { id: 'elder-options' })
  const shown = h('span', { class: 'elder-name', id: 'elder-name', 'aria-live': 'polite' })
  control.setAttribute('list', 'elder-options')
  let asked = 0

  const suggest = async (word: string) => {
    const mine = ++asked
    if (word.length === 0) return options.replaceChildren()
    const page = await api<{ items: Elder[] }>('GET', `/elders?limit=10&q=${encodeURIComponent(word)}`).catch(
      () => ({ items: [] }),
    )
    if (mine !== asked) return
    options.replaceChildren(
      ...page.items.map((e) => h('option', { value: e.id }, [e.name, e.phone].filter(Boolean).join(' · '))),
    )
  }
  const name = async () => {
    const id = control.value.trim()
    if (!/^[A-Za-z0-9_-]{3,64}$/.test(id)) {
      shown.textContent = ''
      return
    }
    const elder = await names.get(id)
    if (control.value.trim() !== id) return
    shown.textContent = elder ? elder.name : aw('elderUnknown')
    shown.classList.toggle('unknown', !elder)
  }
  control.addEventListener('input', () => {
    void suggest(control.value.trim())
    void name()
  })
  void name()
  return h('div', { class: 'elder-picker' }, options, shown)
}
