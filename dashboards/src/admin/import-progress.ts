import { html, type TemplateResult } from 'lit-html'
import { clock } from '../shared/format.ts'
import type { ImportJobView } from './import-job.ts'
import { pace, rate } from './import-pace.ts'
import { iw } from './import-words.ts'

/** 4.2 s under a minute, 12:05 above: a short import is not "0:00". */
export function duration(ms: number): string {
  return ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : clock(ms)
}

/**
 * The job's progress bar and figures: rows done of all, rows a second and the time left while it
 * runs (estimated from what the job says it has done in the time it has spent), the time it took
 * once it has ended. A `<progress>` element, as the page's style policy allows no inline widths.
 */
export function progressView(job: ImportJobView, phase: 'running' | 'done' | 'failed'): TemplateResult {
  const p = pace(job)
  const speed =
    p.perSecond !== undefined
      ? iw('rate', { n: rate(p.perSecond) })
      : phase === 'running'
        ? iw('measuring')
        : ''
  return html`<section class="import-card import-progress" id="import-progress" data-state=${job.state}>
    <progress id="import-bar" max=${Math.max(1, job.total)} .value=${job.done}
      aria-label=${iw('progress', { done: job.done, total: job.total })}></progress>
    <p class="import-figures">
      <span id="import-done">${iw('progress', { done: job.done, total: job.total })}</span>
      <span id="import-rate">${speed}</span>
      ${
        phase === 'running'
          ? html`<span id="import-left">${p.leftMs !== undefined ? iw('left', { t: duration(p.leftMs) }) : ''}</span>`
          : html`<span id="import-elapsed">${iw('elapsed', { t: duration(job.elapsedMs) })}</span>`
      }
    </p>
  </section>`
}
