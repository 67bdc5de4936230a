import { h } from '../shared/dom.ts'
import { t } from '../shared/i18n.ts'
import { GridFilter } from './elder-grid.ts'
import { ew } from './elders-words.ts'

/** The list's filters, kept by the section while the console is open, so "back" finds them as they were. */
export interface ListFilters {
  q: string
  risk: string[]
  grid: string[]
}

const risks = ['high', 'medium', 'low', 'safe'] as const
/** Typing pauses this long before the list is asked again. */
const TYPING_MS = 300

/**
 * The search form above the list: a word of the id, name, phone or address (asked once typing
 * pauses, or at Enter), the risk grades as checkboxes with the glossary's words, and the grid
 * level by level. Each change writes `filters` and calls `onApply`.
 */
export class ElderFilterForm {
  readonly element: HTMLFormElement
  readonly #filters: ListFilters
  readonly #search: HTMLInputElement
  readonly #risks: HTMLInputElement[]
  readonly #grid: GridFilter
  readonly #onApply: () => void
  #typing: ReturnType<typeof setTimeout> | undefined

  constructor(filters: ListFilters, onApply: () => void) {
    this.#filters = filters
    this.#onApply = onApply
    this.#search = h('input', {
      type: 'search',
      name: 'q',
      id: 'elder-q',
      placeholder: ew('searchPlaceholder'),
      'aria-label': ew('searchPlaceholder'),
      maxlength: 64,
      autocomplete: 'off',
    })
    this.#search.value = filters.q
    this.#search.addEventListener('input', () => {
      clearTimeout(this.#typing)
      this.#typing = setTimeout(() => this.#apply(), TYPING_MS)
    })
    this.#risks = risks.map((r) => {
      const box = h('input', { type: 'checkbox', name: 'risk', value: r, id: `risk-${r}` })
      box.checked = filters.risk.includes(r)
      box.addEventListener('change', () => this.#apply())
      return box
    })
    this.#grid = new GridFilter(filters.grid, () => this.#apply())
    this.element = h(
      'form',
      { class: 'elders-filter', role: 'search', id: 'elders-filter' },
      this.#search,
      h(
        'fieldset',
        { class: 'risk-filter' },
        h('legend', {}, t('risk')),
        ...this.#risks.map((box, i) =>
          h(
            'label',
            { class: `risk-choice risk-${box.value}` },
            box,
            ` ${t(`risk_${risks[i] ?? 'medium'}`)}`,
          ),
        ),
      ),
      this.#grid.element,
      h('button', { type: 'submit', class: 'primary' }, ew('search')),
    )
    this.element.addEventListener('submit', (e) => {
      e.preventDefault()
      this.#apply()
    })
  }

  /** The list is left: a search still waiting for typing to pause is dropped. */
  leave(): void {
    clearTimeout(this.#typing)
  }

  #apply(): void {
    clearTimeout(this.#typing)
    this.#filters.q = this.#search.value.trim()
    this.#filters.risk = this.#risks.filter((b) => b.checked).map((b) => b.value)
    this.#filters.grid = this.#grid.path()
    this.#onApply()
  }
}
