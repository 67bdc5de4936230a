import { html, nothing, type TemplateResult } from 'lit-html'
import { repeat } from 'lit-html/directives/repeat.js'
import { api } from '../shared/api.ts'
import { type AccountWord, aw } from './accounts-words.ts'
import './accounts.css'

/** A page of a registry list as the API answers it: `next` is the cursor of the page after. */
export interface Page<T> {
  items: T[]
  next?: string
}

/** How many rows a list asks for at a time. */
export const PAGE_SIZE = 50

/**
 * A registry list paged by the API's cursor (`GET /devices?limit=&cursor=`): the rows so far, and the
 * next page when asked for ("show more"). A failed page is said, never shown as fewer rows.
 */
export class Paged<T> {
  readonly items: T[] = []
  next: string | undefined
  error: string | undefined
  loading = false
  /** Whether the first page came: until then the list says "loading", not "none". */
  loaded = false
  readonly #path: string

  constructor(path: string) {
    this.#path = path
  }

  get hasMore(): boolean {
    return this.next !== undefined
  }

  /** The next page (the first one first); resolves when it came or failed. */
  async more(): Promise<void> {
    if (this.loading) return
    this.loading = true
    this.error = undefined
    try {
      const cursor = this.next ? `&cursor=${encodeURIComponent(this.next)}` : ''
      const sep = this.#path.includes('?') ? '&' : '?'
      const page = await api<Page<T>>('GET', `${this.#path}${sep}limit=${PAGE_SIZE}${cursor}`)
      this.items.push(...page.items)
      this.next = page.next
      this.loaded = true
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error)
    } finally {
      this.loading = false
    }
  }

  /** Every page, for a record the console must find by id where the API has no single read. */
  async find(match: (item: T) => boolean): Promise<T | undefined> {
    for (;;) {
      const found = this.items.find(match)
      if (found) return found
      if (this.loaded && !this.hasMore) return undefined
      await this.more()
      if (this.error) throw new Error(this.error)
    }
  }
}

/** The rest of the hash: `['new?elder=E1']` → {id: 'new', query: elder=E1}; `[]` → the list. */
export function restOf(rest: readonly string[]): { id: string | undefined; query: URLSearchParams } {
  const [first] = rest
  if (!first) return { id: undefined, query: new URLSearchParams() }
  const at = first.indexOf('?')
  return at < 0
    ? { id: first, query: new URLSearchParams() }
    : { id: first.slice(0, at) || undefined, query: new URLSearchParams(first.slice(at + 1)) }
}

/** An id as one segment of an API path. */
export function seg(id: string): string {
  return encodeURIComponent(id)
}

/** Under a list: why a page did not come, and "show more" while there are more. */
export function foot<T>(list: Paged<T>, more: () => Promise<void>) {
  return html`<p class="list-foot">
    ${list.error ? html`<span class="form-error" role="alert">${aw('loadFailed', { message: list.error })}</span>` : nothing}
    ${
      list.hasMore || list.error
        ? html`<button type="button" class="more" ?disabled=${list.loading} @click=${() => void more()}>
            ${aw('more')}
          </button>`
        : nothing
    }
  </p>`
}

/**
 * A registry list as a table: its headings, a row per record keyed by `key` (so live updates keep
 * the focus), "loading" or "none" while it has no rows, and the foot with "show more".
 */
export function listTable<T>(options: {
  id: string
  headings: readonly AccountWord[]
  list: Paged<T>
  key: (item: T) => string
  row: (item: T) => TemplateResult
  more: () => Promise<void>
}) {
  const { id, headings, list, key, row, more } = options
  return html`<table class="accounts" id=${id}>
      <thead>
        <tr>${headings.map((h) => html`<th scope="col">${aw(h)}</th>`)}</tr>
      </thead>
      <tbody>
        ${
          list.items.length > 0
            ? repeat(list.items, key, row)
            : html`<tr class="empty"><td colspan=${headings.length} class="muted">${list.loaded ? aw('none') : aw('loading')}</td></tr>`
        }
      </tbody>
    </table>
    ${foot(list, more)}`
}
