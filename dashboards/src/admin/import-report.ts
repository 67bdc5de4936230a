import { html, nothing, type TemplateResult } from 'lit-html'
import type { ImportReport } from './import-job.ts'
import { cellsOf, type Originals } from './import-rejected.ts'
import { type ImportState, PAGE_ROWS, type Stage } from './import-state.ts'
import type { ImportActions } from './import-view.ts'
import { iw } from './import-words.ts'

type Done = Extract<Stage, { name: 'done' }>

/** The rows the report rejected, in file order. */
export function rejectedRows(report: ImportReport): ImportReport['rows'] {
  return report.rows.filter((r) => r.status === 'rejected')
}

const why = { reloaded: 'whyReloaded', unread: 'whyUnread', mismatch: 'whyMismatch' } as const

/**
 * The end of an import: its counts, every rejected row with its reason (a page of PAGE_ROWS at a
 * time, so a file of 20,000 bad rows draws as quickly as one of ten) and the download of those rows
 * to fix and import again. Without the original cells the page says that the download holds ids only.
 */
export function reportView(stage: Done, s: ImportState, a: ImportActions): TemplateResult {
  const { report, originals } = stage
  const rejected = rejectedRows(report)
  const pages = Math.max(1, Math.ceil(rejected.length / PAGE_ROWS))
  const page = Math.min(s.page, pages - 1)
  const shown = rejected.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS)
  const note =
    'missing' in originals ? iw('downloadIdOnly', { why: iw(why[originals.missing]) }) : iw('downloadNote')
  return html`<section class="import-card import-report" id="import-report">
    <h3 role="status">${iw('done')}</h3>
    <ul class="import-counts">
      <li data-count="total">${iw('total', { n: report.total })}</li>
      <li data-count="created">${iw('created', { n: report.created })}</li>
      <li data-count="updated">${iw('updated', { n: report.updated })}</li>
      <li data-count="rejected" class=${report.rejected > 0 ? 'bad' : ''}>${iw('rejected', { n: report.rejected })}</li>
    </ul>
    ${
      rejected.length === 0
        ? html`<p id="import-all-good">${iw('noRejected')}</p>`
        : html`<div class="import-download">
              <button type="button" class="primary" id="import-download" @click=${a.download}>↓ ${iw('download')}</button>
              <small class="muted" id="import-download-note">${note}</small>
            </div>
            <h3>${iw('rejectedRows')} <span class="muted">(${rejected.length})</span></h3>
            ${rejectedTable(shown, originals)}
            ${pages > 1 ? pager(page, pages, a) : nothing}`
    }
    <p><button type="button" id="import-another" @click=${a.reset}>${iw('another')}</button></p>
  </section>`
}

function rejectedTable(rows: ImportReport['rows'], originals: Originals): TemplateResult {
  const records = 'missing' in originals ? undefined : originals.records
  const header = records?.[0] ?? []
  return html`<div class="scroll"><table id="import-rejected">
    <thead><tr>
      <th scope="col">${iw('row')}</th><th scope="col">${iw('reason')}</th>
      ${records ? header.map((h) => html`<th scope="col">${h}</th>`) : html`<th scope="col">${iw('idHeader')}</th>`}
    </tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr data-row=${r.row}>
        <td>${r.row}</td><td class="reason">${r.reason ?? ''}</td>
        ${records ? cellsOf(records, r.row).map((c) => html`<td>${c}</td>`) : html`<td>${r.id ?? ''}</td>`}
      </tr>`,
    )}</tbody>
  </table></div>`
}

function pager(page: number, pages: number, a: ImportActions): TemplateResult {
  return html`<nav class="import-pager" aria-label=${iw('rejectedRows')}>
    <button type="button" id="import-prev" ?disabled=${page === 0} @click=${() => a.page(page - 1)}>${iw('prev')}</button>
    <span id="import-page">${iw('page', { page: page + 1, pages })}</span>
    <button type="button" id="import-next" ?disabled=${page >= pages - 1} @click=${() => a.page(page + 1)}>${iw('next')}</button>
  </nav>`
}
