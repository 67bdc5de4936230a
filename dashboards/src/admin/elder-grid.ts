import { api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import { type ElderWord, ew } from './elders-words.ts'
import { field } from './form.ts'

/** contract: a grid path has at most 7 levels, street first. */
export const GRID_LEVELS = 7

export interface GridChild {
  name: string
  elders: number
}

const levelWord = (i: number) => `level${i}` as ElderWord

/**
 * `GET /grids?parent=a/b`: the names in use one level below a path, with their elders. Asked once
 * per path while the view is open (a `Map` the view owns, dropped with it).
 */
export function gridChildren(cache: Map<string, Promise<GridChild[]>>, parent: readonly string[]) {
  const key = parent.join('/')
  let answer = cache.get(key)
  if (!answer) {
    const query = key ? `?parent=${encodeURIComponent(key)}` : ''
    answer = api<{ items: GridChild[] }>('GET', `/grids${query}`).then((r) => r.items)
    // a failed look-up is asked again next time
    answer.catch(() => cache.delete(key))
    cache.set(key, answer)
  }
  return answer
}

/**
 * The list's grid filter: one select per level, each offering the names in use below the levels
 * chosen before it (with their number of elders); choosing one opens the next level, "all" closes
 * the levels below. Levels are added and removed, never redrawn, so the focus stays where it is.
 */
export class GridFilter {
  readonly element: HTMLFieldSetElement
  readonly #selects: HTMLSelectElement[] = []
  readonly #cache = new Map<string, Promise<GridChild[]>>()
  readonly #onChange: (path: string[]) => void
  #asked = 0

  constructor(path: readonly string[], onChange: (path: string[]) => void) {
    this.#onChange = onChange
    this.element = h(
      'fieldset',
      { class: 'grid-filter', id: 'grid-filter' },
      h('legend', {}, ew('gridFilter')),
    )
    void this.#open(0, [...path])
  }

  path(): string[] {
    const path: string[] = []
    for (const s of this.#selects) {
      if (!s.value) break
      path.push(s.value)
    }
    return path
  }

  /** Adds the select of `level` (and, following `wanted`, the ones below it). */
  async #open(level: number, wanted: string[]): Promise<void> {
    const asked = ++this.#asked
    const parent = wanted.slice(0, level)
    const children = await gridChildren(this.#cache, parent).catch(() => [])
    // a later choice replaced this one meanwhile
    if (asked !== this.#asked) return
    for (const s of this.#selects.splice(level)) s.remove()
    const want = wanted[level]
    if (children.length === 0 && !want) return
    const select = h(
      'select',
      { id: `grid-filter-${level}`, 'aria-label': ew(levelWord(level)), dataset: { level: String(level) } },
      h('option', { value: '' }, `${ew(levelWord(level))}：${ew('gridAll')}`),
      ...children.map((c) => h('option', { value: c.name }, ew('gridCount', { name: c.name, n: c.elders }))),
    )
    // a path kept from before whose name has no elder left still shows, so the list says why it is empty
    if (want && !children.some((c) => c.name === want)) select.append(h('option', { value: want }, want))
    select.value = want ?? ''
    select.addEventListener('change', () => {
      const path = this.path()
      this.#onChange(path)
      if (select.value && level + 1 < GRID_LEVELS) {
        void this.#open(level + 1, path)
        return
      }
      // "all": the levels below go, and so does any still being opened
      this.#asked++
      for (const s of this.#selects.splice(level + 1)) s.remove()
    })
    this.#selects.push(select)
    this.element.append(select)
    if (want && level + 1 < GRID_LEVELS) await this.#open(level + 1, wanted)
  }
}

/**
 * The file's grid path: an input per level with a datalist of the names in use one level below the
 * ones typed before it, so a path is chosen level by level or a new name typed. A level shows once
 * the one above it has a name. Each input is named by its body path (`grid.2`), so a refusal lands
 * beside it.
 */
export class GridPathInputs {
  readonly element: HTMLFieldSetElement
  readonly #inputs: HTMLInputElement[] = []
  readonly #lists: HTMLDataListElement[] = []
  readonly #fields: HTMLElement[] = []
  readonly #cache = new Map<string, Promise<GridChild[]>>()
  readonly #asked: number[] = []

  constructor(initial: readonly string[]) {
    const whole = h('span', { class: 'field-error', role: 'alert', 'data-error-for': 'grid' })
    this.element = h(
      'fieldset',
      { class: 'grid-path', id: 'grid-path' },
      h('legend', {}, ew('gridPath')),
      h('small', { class: 'field-hint' }, ew('gridHint')),
    )
    for (let i = 0; i < GRID_LEVELS; i++) {
      const list = h('datalist', { id: `grid-options-${i}` })
      const input = h('input', {
        name: `grid.${i}`,
        id: `grid-${i}`,
        list: list.id,
        autocomplete: 'off',
        maxlength: 64,
      })
      input.value = initial[i] ?? ''
      input.addEventListener('input', () => this.#changed(i))
      const box = field(ew(levelWord(i)), input)
      box.append(list)
      this.#inputs.push(input)
      this.#lists.push(list)
      this.#fields.push(box)
      this.#asked.push(0)
      this.element.append(box)
    }
    this.element.append(whole)
    this.#showLevels()
    for (let i = 0; i < GRID_LEVELS; i++) {
      if (!this.#fields[i]?.hidden) void this.#offer(i)
    }
  }

  /** The path typed: trailing empty levels left out, an empty one in the middle kept (the API names it). */
  value(): string[] {
    const values = this.#inputs.map((input) => input.value.trim())
    while (values.length > 0 && values[values.length - 1] === '') values.pop()
    return values
  }

  #changed(level: number): void {
    this.#showLevels()
    if (level + 1 < GRID_LEVELS) void this.#offer(level + 1)
  }

  #showLevels(): void {
    this.#fields.forEach((box, i) => {
      const above = i === 0 || this.#inputs[i - 1]?.value.trim() !== ''
      box.hidden = !above && this.#inputs[i]?.value === ''
    })
  }

  /** Fills the datalist of `level` with the names in use below the levels above it. */
  async #offer(level: number): Promise<void> {
    const parent = this.#inputs.slice(0, level).map((input) => input.value.trim())
    const list = this.#lists[level]
    if (!list) return
    const asked = (this.#asked[level] ?? 0) + 1
    this.#asked[level] = asked
    if (parent.some((name) => name === '')) {
      list.replaceChildren()
      return
    }
    const children = await gridChildren(this.#cache, parent).catch(() => [])
    if (this.#asked[level] !== asked) return
    list.replaceChildren(
      ...children.map((c) =>
        h('option', { value: c.name, label: ew('gridCount', { name: c.name, n: c.elders }) }),
      ),
    )
  }
}
