import { gridKey } from '../../../gateway/registry/schemas.ts'
import { acceptEdgesMs } from '../../../gateway/stats/charts.ts'
import { daysOf } from '../../../gateway/stats/days.ts'
import { type StatsQueries, type Window, type WorklistPage, worklists } from '../../../gateway/stats/ports.ts'
import { dayAt } from '../../../gateway/visits/days.ts'
import { paths } from './stats-random.ts'

/**
 * Every question the supervision figures put to a store, over the district of `aDistrict`: several
 * windows, every grid prefix, with and without children, the charts in three time zones, each
 * worklist paged through to its end at several page sizes, the visits and the graded response.
 */

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR

export interface Question {
  topic: 'report' | 'charts' | 'worklists' | 'visits' | 'grades'
  label: string
  ask(q: StatsQueries): Promise<unknown>
}

/** Every page of a worklist, following `next` to the end (or `pages` pages). */
export async function pagesOf(
  q: StatsQueries,
  list: (typeof worklists)[number],
  w: Window,
  limit: number,
  pages = Number.POSITIVE_INFINITY,
): Promise<WorklistPage[]> {
  const out: WorklistPage[] = []
  let cursor: string | undefined
  do {
    const page = await q.worklist(list, w, limit, cursor)
    out.push(page)
    cursor = page.next
  } while (cursor !== undefined && out.length < pages)
  return out
}

export function questions(now: number): Question[] {
  const windows: [string, Window][] = [
    ['40 days', { prefix: '', from: now - 41 * DAY, to: now + 1, now }],
    ['a week', { prefix: '', from: now - 7 * DAY, to: now - HOUR, now }],
    ['a day, now later', { prefix: '', from: now - 3 * DAY, to: now - 2 * DAY, now: now + DAY }],
    ['nothing raised', { prefix: '', from: now + DAY, to: now + 2 * DAY, now }],
  ]
  const prefixes = [...paths.filter((p) => p.length <= 2), paths[3], paths[4], ['nowhere']].map((p) =>
    gridKey(p ?? []),
  )
  const out: Question[] = []
  for (const [name, window] of windows)
    for (const prefix of prefixes) {
      const w = { ...window, prefix }
      const at = `${name} under ${JSON.stringify(prefix)}`
      out.push(
        { topic: 'report', label: `report of ${at}`, ask: (q) => q.report(w, true) },
        {
          topic: 'report',
          label: `report without children of ${at}`,
          ask: (q) => q.report(w, false),
        },
      )
      out.push({
        topic: 'grades',
        label: `grades of ${at}`,
        ask: (q) =>
          q.grades({ ...w, responseMs: { high: 15 * MIN, medium: 30 * MIN, low: HOUR, safe: 2 * HOUR } }),
      })
      for (const zone of ['Asia/Shanghai', 'UTC'])
        out.push({
          topic: 'visits',
          label: `visits of ${at} in ${zone}`,
          ask: (q) =>
            q.visits({ ...w, fromDay: dayAt(w.from, zone), toDay: dayAt(Math.max(w.from, w.to - 1), zone) }),
        })
      for (const zone of ['Asia/Shanghai', 'America/New_York'])
        out.push({
          topic: 'charts',
          label: `charts of ${at} in ${zone}`,
          ask: (q) => q.charts(w, daysOf(w.from, w.to, zone), acceptEdgesMs),
        })
      for (const list of worklists) {
        out.push({
          topic: 'worklists',
          label: `first page of ${list}, ${at}`,
          ask: (q) => pagesOf(q, list, w, 50, 1),
        })
        if (prefix === '' || prefix === prefixes[1])
          for (const limit of [1, 97, 500])
            out.push({
              topic: 'worklists',
              label: `${list} in pages of ${limit}, ${at}`,
              ask: (q) => pagesOf(q, list, w, limit, limit === 1 ? 12 : Number.POSITIVE_INFINITY),
            })
      }
    }
  out.push({
    topic: 'worklists',
    label: 'a cursor the store did not make reads as the first page',
    ask: (q) => q.worklist('late', windows[0]?.[1] as Window, 20, 'not-a-cursor'),
  })
  return out
}
