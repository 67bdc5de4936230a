import './elders.css'
import { elderFile } from './elder-file.ts'
import type { ListFilters } from './elder-filter.ts'
import { elderList } from './elder-list.ts'
import { ew } from './elders-words.ts'
import type { Section } from './section.ts'

/** The list's filters while the console is open: back from a file, the list is as it was left. */
const filters: ListFilters = { q: '', risk: [], grid: [] }
/** A line one view leaves for the next ("created", "erased"), shown once. */
let notice: string | undefined

function takeNotice(): string | undefined {
  const text = notice
  notice = undefined
  return text
}

/**
 * The registry's elders (`#/elders`): the searchable list, and each elder's file (`#/elders/E001`,
 * a new one at `#/elders/new`) with its devices, recent alarms, export and erasure.
 */
export const elders: Section = {
  path: 'elders',
  title: () => ew('title'),
  mount(root, rest) {
    const [id] = rest
    if (id === undefined) return elderList(root, filters, takeNotice())
    return elderFile(root, id === 'new' ? undefined : id, {
      notice: takeNotice(),
      remember: (text) => {
        notice = text
      },
    })
  },
}
