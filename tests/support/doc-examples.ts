import { expect } from 'vitest'

/**
 * Reading docs/contract.md as something to run: its JSON examples, its
 * walkthroughs (one step a line) and its reference tables.
 */

export interface Fence {
  info: Record<string, string>
  lang: string
  body: string
  /** 1-based line of the opening fence, for messages that point into the document. */
  line: number
}

/** Every fenced block: its language, its `key=value` attributes and its text. */
export function fencedBlocks(markdown: string): Fence[] {
  const blocks: Fence[] = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)(.*)$/.exec(lines[i] ?? '')
    if (!open) continue
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) body.push(lines[i] ?? '')
    const info: Record<string, string> = {}
    for (const [, key, value] of (open[2] ?? '').matchAll(/(\w+)=(\S+)/g)) if (key && value) info[key] = value
    blocks.push({ lang: open[1] ?? '', info, body: body.join('\n'), line: start + 1 })
  }
  return blocks
}

/** The `json example=name` blocks, parsed; a duplicate name or bad JSON names its line. */
export function jsonExamples(markdown: string): Map<string, unknown> {
  const examples = new Map<string, unknown>()
  for (const block of fencedBlocks(markdown)) {
    const name = block.info.example
    if (block.lang !== 'json' || name === undefined) continue
    if (examples.has(name)) throw new Error(`line ${block.line}: a second example=${name}`)
    try {
      examples.set(name, JSON.parse(block.body))
    } catch (error) {
      throw new Error(`line ${block.line}: example=${name} is not JSON (${(error as Error).message})`)
    }
  }
  return examples
}

export interface Step {
  /** Local wall-clock time the step happens at, `hh:mm:ss`, when the line gives one. */
  at?: string
  actor: string
  verb: string
  args: string[]
  line: number
  text: string
}

export interface Walkthrough {
  name: string
  /** Day and UTC offset the step times are read in. */
  day: string
  zone: string
  steps: Step[]
}

/**
 * The `text walkthrough=name day=yyyy-mm-dd zone=+hh:mm` blocks. A line is
 * `[hh:mm:ss] actor verb args…`; lines starting with `#` are comments.
 */
export function walkthroughs(markdown: string): Walkthrough[] {
  return fencedBlocks(markdown)
    .filter((b) => b.info.walkthrough !== undefined)
    .map((b) => {
      const { walkthrough: name = '', day, zone } = b.info
      if (!day || !zone) throw new Error(`line ${b.line}: walkthrough=${name} needs day= and zone=`)
      const steps: Step[] = []
      b.body.split('\n').forEach((text, i) => {
        const words = text.trim().split(/\s+/).filter(Boolean)
        if (words.length === 0 || words[0]?.startsWith('#')) return
        const at = /^\d\d:\d\d:\d\d$/.test(words[0] ?? '') ? words.shift() : undefined
        const [actor, verb, ...args] = words
        const line = b.line + 1 + i
        if (!actor || !verb) throw new Error(`line ${line}: a step needs an actor and a verb`)
        steps.push({ ...(at ? { at } : {}), actor, verb, args, line, text: text.trim() })
      })
      return { name, day, zone, steps }
    })
}

/** Epoch ms of a step's local time on the walkthrough's day. */
export function instantOf(w: Walkthrough, at: string): number {
  const ms = Date.parse(`${w.day}T${at}${w.zone}`)
  if (Number.isNaN(ms)) throw new Error(`walkthrough=${w.name}: cannot read ${w.day} ${at} ${w.zone}`)
  return ms
}

/** The text under a `## heading` or `### heading`, up to the next heading of the same or a higher level. */
export function section(markdown: string, heading: string): string {
  const lines = markdown.split('\n')
  const start = lines.findIndex((l) => /^#{2,6} /.test(l) && l.replace(/^#+ /, '').trim() === heading)
  if (start < 0) throw new Error(`docs/contract.md has no heading "${heading}"`)
  const level = (/^#+/.exec(lines[start] ?? '')?.[0] ?? '##').length
  const end = lines.findIndex(
    (l, i) => i > start && /^#+ /.test(l) && (/^#+/.exec(l)?.[0].length ?? 9) <= level,
  )
  return lines.slice(start + 1, end < 0 ? undefined : end).join('\n')
}

/** Cells of the body rows of every table in `text` (headers and rules left out), backticks removed. */
export function tableRows(text: string): string[][] {
  const rows: string[][] = []
  const lines = text.split('\n')
  lines.forEach((line, i) => {
    const isRow = (l: string | undefined) => l?.startsWith('|') === true
    // a body row follows another row that is not the header (the header is followed by the rule)
    if (!isRow(line) || !isRow(lines[i - 1]) || /^\|[\s:|-]+\|$/.test(line.trim())) return
    if (/^\|[\s:|-]+\|$/.test(lines[i + 1]?.trim() ?? '')) return
    rows.push(
      line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replaceAll('`', '')),
    )
  })
  return rows
}

/** Alarm ids as the gateway makes them: `A`, the UTC date and time raised, 6 random characters. */
export const ALARM_ID = /^A\d{8}-\d{6}-[a-z2-9]{6}$/
/** Visit ids: `V`, the UTC date and time made, 12 random hex digits. */
export const VISIT_ID = /^V\d{8}-\d{6}-[0-9a-f]{12}$/
/** An id the gateway made, which a document can only show as an example. */
const MADE_ID = (s: string) => ALARM_ID.test(s) || VISIT_ID.test(s)
const MADE_IDS = /A\d{8}-\d{6}-[a-z2-9]{6}|V\d{8}-\d{6}-[0-9a-f]{12}/g

/**
 * Fields compared by type only: a random token, the count of internal timers, the store's schema
 * version (it grows with every migration), and a device's `lastSeenAt`, which is written in batches
 * and may trail its last message by a moment.
 */
const VOLATILE = new Set(['token', 'timers', 'schema', 'lastSeenAt'])

/**
 * The alarm ids a document shows, bound to the ids a running gateway gave:
 * the first time a documented id meets an actual one they are bound, and
 * from then on the documented id stands for the actual one.
 */
export class Bindings {
  readonly ids = new Map<string, string>()

  /** A documented value with every bound id replaced (also inside strings such as URLs). */
  apply<T>(documented: T): T {
    return JSON.parse(JSON.stringify(documented).replace(MADE_IDS, (id) => this.ids.get(id) ?? id)) as T
  }

  /** Bind the documented ids found where `actual` has a string. */
  learn(documented: unknown, actual: unknown): void {
    if (typeof documented === 'string' && MADE_ID(documented) && typeof actual === 'string') {
      const bound = this.ids.get(documented)
      if (bound === undefined && ![...this.ids.values()].includes(actual)) this.ids.set(documented, actual)
      return
    }
    if (Array.isArray(documented) && Array.isArray(actual)) {
      for (const [i, d] of documented.entries()) this.learn(d, actual[i])
      return
    }
    if (isRecord(documented) && isRecord(actual)) {
      for (const [key, d] of Object.entries(documented)) this.learn(d, actual[key])
    }
  }

  /** Whether `actual` may be what the documented id stands for. */
  admits(documented: unknown, actual: unknown): boolean {
    if (typeof documented !== 'string' || !MADE_ID(documented)) return documented === actual
    const bound = this.ids.get(documented)
    return bound === undefined ? ![...this.ids.values()].includes(String(actual)) : bound === actual
  }
}

/**
 * `actual` must equal the documented value: same keys all the way down, same values but the volatile
 * ones. A soft expectation, so a walkthrough goes on after a wrong example and the next ones still run.
 */
export function expectLike(actual: unknown, documented: unknown, bindings: Bindings, where: string): void {
  bindings.learn(documented, actual)
  expect.soft(actual, where).toEqual(loosen(bindings.apply(documented)))
}

function loosen(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(loosen)
  if (!isRecord(value)) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      VOLATILE.has(key) ? expect.any(typeof v === 'number' ? Number : String) : loosen(v),
    ]),
  )
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
