import { html, nothing, type TemplateResult } from 'lit-html'
import { fileSize, XLSX_TYPE } from './import-file.ts'
import type { ImportPreview, ImportType } from './import-job.ts'
import { progressView } from './import-progress.ts'
import { sameRows } from './import-rejected.ts'
import { reportView } from './import-report.ts'
import type { ImportState, Stage } from './import-state.ts'
import { fieldLabel, iw } from './import-words.ts'

/** What the person can do; import.ts carries it out and draws the state again. */
export interface ImportActions {
  setType(type: ImportType): void
  choose(file: File | undefined): void
  drag(over: boolean): void
  run(): void
  page(index: number): void
  download(): void
  reset(): void
}

const TYPES: readonly ImportType[] = ['elders', 'devices', 'carers']

/** The report's reason column (docs/import.md): the import reads it and leaves it out. */
const REASON_HEADER = /^(reason|错误原因)$/i

/**
 * The import section, drawn with lit-html (STYLE.md 19): choosing the type and the file stays one
 * form whatever stage the import is in, so a redraw never loses the file chosen; every cell of the
 * file and every reason is bound as text.
 */
export function importView(s: ImportState, a: ImportActions): TemplateResult {
  const busy = ['previewing', 'starting', 'running'].includes(s.stage.name)
  const over = (e: DragEvent) => {
    e.preventDefault()
    a.drag(true)
  }
  const drop = (e: DragEvent) => {
    e.preventDefault()
    a.drag(false)
    if (!busy) a.choose(e.dataTransfer?.files[0])
  }
  return html`<h2 class="import-title">${iw('title')}</h2>
    <form class="import-choose" @submit=${(e: Event) => e.preventDefault()}>
      <label class="field import-type">
        <span class="field-label">${iw('type')}</span>
        <select id="import-type" name="type" ?disabled=${busy}
          @change=${(e: Event) => a.setType((e.target as HTMLSelectElement).value as ImportType)}>
          ${TYPES.map((t) => html`<option value=${t} ?selected=${t === s.type}>${iw(`type_${t}`)}</option>`)}
        </select>
      </label>
      <label class="import-drop${s.dragging ? ' over' : ''}" id="import-drop"
        @dragenter=${over} @dragover=${over} @dragleave=${() => a.drag(false)} @drop=${drop}>
        <span class="import-drop-text">${iw('drop')}</span>
        <input id="import-file" name="file" type="file" ?disabled=${busy}
          accept=${`.csv,.xlsx,text/csv,${XLSX_TYPE}`}
          @change=${(e: Event) => a.choose((e.target as HTMLInputElement).files?.[0])} />
        ${s.file ? html`<span class="import-chosen" id="import-chosen">${iw('chosen', { name: s.file.name, size: fileSize(s.file.size) })}</span>` : nothing}
      </label>
      <small class="field-hint">${iw('fileHint')}</small>
    </form>
    ${stageView(s, a)}`
}

function stageView(s: ImportState, a: ImportActions): TemplateResult | typeof nothing {
  const stage: Stage = s.stage
  switch (stage.name) {
    case 'empty':
      return nothing
    case 'unsupported':
      return alert(iw('fileRefused'), `${stage.fileName}: ${iw('notSupported')}`)
    case 'previewing':
      return html`<p class="muted" id="import-busy" role="status">${iw('previewing')}</p>`
    case 'refused':
      return alert(iw('fileRefused'), stage.message)
    case 'preview':
    case 'starting':
      return previewView(s, stage.preview, stage.name === 'starting', a)
    case 'running':
      return html`${progressView(stage.job, 'running')}${
        stage.trouble
          ? html`<p class="muted" role="status">${iw('pollTrouble', { message: stage.trouble })}</p>`
          : nothing
      }`
    case 'done':
      return html`${progressView(stage.job, 'done')}${reportView(stage, s, a)}`
    case 'failed':
      return html`${stage.job ? progressView(stage.job, 'failed') : nothing}
        ${alert(iw('failed'), stage.message)}
        <button type="button" id="import-another" @click=${a.reset}>${iw('another')}</button>`
  }
}

function alert(title: string, message: string): TemplateResult {
  return html`<div class="import-alert" id="import-error" role="alert">
    <strong>${title}</strong>
    <p>${message}</p>
  </div>`
}

function previewView(s: ImportState, p: ImportPreview, starting: boolean, a: ImportActions): TemplateResult {
  const slow = s.type !== 'elders'
  return html`<section class="import-card" id="import-preview">
      <h3>${iw('mapping')}</h3>
      ${mappingTable(p)}
      ${p.problem ? alert(iw('fileRefused'), p.problem) : nothing}
    </section>
    ${p.problem ? nothing : previewRows(s, p)}
    ${
      p.problem
        ? nothing
        : html`<p class="import-run">
            <button type="button" class="primary" id="import-run" ?disabled=${starting} @click=${a.run}>
              ${starting ? iw('starting') : iw('run')}
            </button>
            ${slow ? html`<small class="muted">${iw('slow')}</small>` : nothing}
          </p>`
    }`
}

function mappingTable(p: ImportPreview): TemplateResult {
  const fieldCell = (header: string, field: string | null) => {
    if (field) return html`${fieldLabel(field)} <code>${field}</code>`
    if (REASON_HEADER.test(header.trim())) return html`<span class="muted">${iw('ignoredColumn')}</span>`
    const said = p.problem?.includes(`"${header.trim()}"`) ? p.problem : undefined
    return html`<span class="import-unknown">⚠ ${iw('unknownColumn')}</span>${
      said ? html`<br /><small>${said}</small>` : nothing
    }`
  }
  return html`<div class="scroll"><table id="import-mapping">
    <thead><tr><th scope="col">${iw('header')}</th><th scope="col">${iw('field')}</th></tr></thead>
    <tbody>${p.columns.map(
      (
        c,
      ) => html`<tr data-field=${c.field ?? ''} class=${c.field || REASON_HEADER.test(c.header.trim()) ? '' : 'unknown'}>
        <td>${c.header}</td><td>${fieldCell(c.header, c.field)}</td>
      </tr>`,
    )}</tbody>
  </table></div>`
}

function previewRows(s: ImportState, p: ImportPreview): TemplateResult {
  const records = Array.isArray(s.records) ? s.records : undefined
  const idColumn = p.columns.findIndex((c) => c.field === 'id')
  // the file's own cells beside the gateway's check, when the page read the same rows
  const cells = records && sameRows(records, idColumn, p.rows) ? records : undefined
  const header = cells?.[0] ?? []
  return html`<section class="import-card">
    <h3>${iw('previewRows', { n: p.rows.length, total: p.total })}</h3>
    <div class="scroll"><table id="import-sample">
      <thead><tr>
        <th scope="col">${iw('row')}</th><th scope="col">${iw('check')}</th>
        ${cells ? header.map((h) => html`<th scope="col">${h}</th>`) : html`<th scope="col">${iw('idHeader')}</th>`}
      </tr></thead>
      <tbody>${p.rows.map(
        (r) => html`<tr data-row=${r.row} data-valid=${String(r.valid)} class=${r.valid ? '' : 'rejected'}>
          <td>${r.row}</td>
          <td>${r.valid ? iw('valid') : html`<strong>${iw('invalid')}</strong> ${r.reason ?? ''}`}</td>
          ${cells ? (cells[r.row] ?? []).map((c) => html`<td>${c}</td>`) : html`<td>${r.id ?? ''}</td>`}
        </tr>`,
      )}</tbody>
    </table></div>
  </section>`
}
