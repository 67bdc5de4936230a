import './import.css'
import { render } from 'lit-html'
import { rowsToCsv } from '../../../kernel/csv.ts'
import { download } from '../shared/csv.ts'
import { h } from '../shared/dom.ts'
import { chosenFile, readRecords } from './import-file.ts'
import {
  failureText,
  followJob,
  type ImportJobView,
  type ImportReport,
  type ImportType,
  type JobFollower,
  previewFile,
  startJob,
} from './import-job.ts'
import { idColumnOf, linedUp, type Originals, rejectedRecords } from './import-rejected.ts'
import { rejectedRows } from './import-report.ts'
import type { ImportState } from './import-state.ts'
import { type ImportActions, importView } from './import-view.ts'
import { iw } from './import-words.ts'
import type { Section, SectionView } from './section.ts'

/**
 * The import section (`#/import`, `#/import/{jobId}` once a job runs): the type and a file, the
 * gateway's preview of it, the job with its progress, and the report with the rejected rows to fix.
 * The file is read in the page too (import-file.ts) so that a rejected row can be shown and given back
 * with its own cells. The state outlives a visit to another tab: the job goes on in the gateway and
 * is followed again on return.
 */
class ImportConsole {
  #state: ImportState = { type: 'elders', stage: { name: 'empty' }, dragging: false, page: 0 }
  #host: HTMLElement | undefined
  #follower: JobFollower | undefined
  #jobId: string | undefined
  /** The page's own reading of the chosen file; settled before a report is shown. */
  #reading: Promise<void> = Promise.resolve()
  /** Bumped for every file chosen and every reset: an answer about an earlier file is dropped. */
  #generation = 0

  readonly #actions: ImportActions = {
    setType: (type) => this.#setType(type),
    choose: (file) => this.#choose(file),
    drag: (over) => {
      if (this.#state.dragging === over) return
      this.#state.dragging = over
      this.#draw()
    },
    run: () => this.#run(),
    page: (index) => {
      this.#state.page = Math.max(0, index)
      this.#draw()
    },
    download: () => this.#download(),
    reset: () => this.#reset(),
  }

  mount(root: HTMLElement, rest: readonly string[]): SectionView {
    this.#host = h('div', { class: 'import', id: 'import' })
    root.append(this.#host)
    const [linked] = rest
    if (linked && linked !== this.#jobId) this.#resume(linked)
    else if (this.#jobId && this.#state.stage.name === 'running') this.#follow(this.#jobId, 0)
    this.#draw()
    return {
      leave: () => {
        this.#follower?.stop()
        this.#follower = undefined
        this.#host = undefined
      },
    }
  }

  #draw(): void {
    if (!this.#host) return
    this.#host.dataset.stage = this.#state.stage.name
    render(importView(this.#state, this.#actions), this.#host)
  }

  #setType(type: ImportType): void {
    this.#state.type = type
    if (this.#state.file) this.#preview()
    else this.#draw()
  }

  #choose(file: File | undefined): void {
    if (!file) return
    this.#forgetJob()
    this.#unlink()
    const generation = ++this.#generation
    const chosen = chosenFile(file)
    this.#state = { ...this.#state, page: 0, dragging: false }
    delete this.#state.records
    if (!chosen) {
      delete this.#state.file
      this.#state.stage = { name: 'unsupported', fileName: file.name }
      this.#draw()
      return
    }
    this.#state.file = chosen
    this.#reading = readRecords(chosen).then(
      (records) => this.#readDone(generation, records),
      () => this.#readDone(generation, 'unread'),
    )
    this.#preview()
  }

  #readDone(generation: number, records: string[][] | 'unread'): void {
    if (generation !== this.#generation) return
    this.#state.records = records
    this.#draw()
  }

  #preview(): void {
    const { file, type } = this.#state
    if (!file) return
    const generation = this.#generation
    this.#state.stage = { name: 'previewing' }
    this.#draw()
    previewFile(type, file).then(
      (preview) => this.#stage(generation, { name: 'preview', preview }),
      (error: unknown) => this.#stage(generation, { name: 'refused', message: failureText(error) }),
    )
  }

  #stage(generation: number, stage: ImportState['stage']): void {
    if (generation !== this.#generation) return
    this.#state.stage = stage
    this.#draw()
  }

  #run(): void {
    const { file, type, stage } = this.#state
    if (!file || stage.name !== 'preview') return
    const generation = this.#generation
    this.#state.stage = { name: 'starting', preview: stage.preview }
    this.#draw()
    startJob(type, file).then(
      (job) => {
        if (generation !== this.#generation) return
        this.#jobId = job.id
        // linkable and kept on reload, without a hashchange that would draw the section again
        if (this.#host) history.replaceState(history.state, '', `#/import/${encodeURIComponent(job.id)}`)
        this.#stage(generation, { name: 'running', job })
        this.#follow(job.id)
      },
      (error: unknown) => this.#stage(generation, { name: 'refused', message: failureText(error) }),
    )
  }

  /** A job named by the hash after a reload: followed at once; its file is not in the page any more. */
  #resume(id: string): void {
    this.#forgetJob()
    this.#generation++
    this.#state = { type: this.#state.type, stage: { name: 'empty' }, dragging: false, page: 0 }
    this.#reading = Promise.resolve()
    this.#jobId = id
    this.#follow(id, 0)
  }

  #follow(id: string, firstInMs?: number): void {
    this.#follower?.stop()
    // a job started while the section was left is followed when it is shown again (mount)
    if (!this.#host) return
    const generation = this.#generation
    const running = (job: ImportJobView, trouble?: string) => {
      this.#state.type = job.type
      this.#stage(generation, { name: 'running', job, ...(trouble ? { trouble } : {}) })
    }
    this.#follower = followJob(
      id,
      {
        progress: (job) => running(job),
        finished: (job, report) => {
          this.#state.type = job.type
          void this.#reading.then(() =>
            this.#stage(generation, { name: 'done', job, report, originals: this.#originals(report) }),
          )
        },
        failed: (message, job) =>
          this.#stage(generation, { name: 'failed', message, ...(job ? { job } : {}) }),
        trouble: (message) => {
          const stage = this.#state.stage
          if (stage.name === 'running' && stage.trouble !== message) running(stage.job, message)
        },
      },
      firstInMs,
    )
  }

  #originals(report: ImportReport): Originals {
    const { file, records } = this.#state
    if (!file) return { missing: 'reloaded' }
    if (records === undefined || records === 'unread') return { missing: 'unread' }
    const idColumn = idColumnOf(records[0] ?? [])
    return linedUp(records, idColumn, report) ? { records, idColumn } : { missing: 'mismatch' }
  }

  #download(): void {
    const stage = this.#state.stage
    if (stage.name !== 'done') return
    const rows = rejectedRecords(stage.originals, rejectedRows(stage.report), {
      reasonHeader: iw('reasonHeader'),
      idHeader: iw('idHeader'),
      rowReason: (row, reason) => iw('rowReason', { row, reason }),
    })
    const base = this.#state.file?.name.replace(/\.(csv|txt|xlsx)$/i, '') ?? stage.report.type
    download(`${base}.rejected.csv`, rowsToCsv(rows))
  }

  #reset(): void {
    this.#forgetJob()
    this.#generation++
    this.#state = { type: this.#state.type, stage: { name: 'empty' }, dragging: false, page: 0 }
    const input = this.#host?.querySelector<HTMLInputElement>('#import-file')
    if (input) input.value = ''
    this.#unlink()
    this.#draw()
  }

  /** The hash stops naming a job that the section no longer shows. */
  #unlink(): void {
    if (location.hash !== '#/import') history.replaceState(history.state, '', '#/import')
  }

  #forgetJob(): void {
    this.#follower?.stop()
    this.#follower = undefined
    this.#jobId = undefined
  }
}

let shown: ImportConsole | undefined

export const importer: Section = {
  path: 'import',
  title: () => iw('title'),
  mount(root, rest) {
    shown ??= new ImportConsole()
    return shown.mount(root, rest)
  },
}
