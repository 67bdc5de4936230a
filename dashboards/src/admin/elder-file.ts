import { ApiFailure, api } from '../shared/api.ts'
import { h } from '../shared/dom.ts'
import type { Elder } from '../shared/model.ts'
import { loadTileSettings } from '../shared/tiles.ts'
import { ElderActivity } from './elder-activity.ts'
import { type Erasure, privacyActions } from './elder-erase.ts'
import { ElderForm } from './elder-form.ts'
import { ew } from './elders-words.ts'
import { submitting } from './form.ts'
import type { SectionView } from './section.ts'

export interface FileContext {
  /** A line left by the view before (e.g. "created"), shown once. */
  notice: string | undefined
  /** Leaves a line for the next view (the list after an erasure, the file after a create). */
  remember: (text: string) => void
}

/**
 * An elder's file (`#/elders/E001`), or a new one (`#/elders/new`): the form, the devices and recent
 * alarms kept live, the export and the erasure. A new file is created with `PUT /elders/{id}` once
 * `GET` says the id is free, since a PUT on a taken id would replace someone else's file.
 */
export function elderFile(root: HTMLElement, elderId: string | undefined, ctx: FileContext): SectionView {
  let gone = false
  let activity: ElderActivity | undefined
  let leaveMap: (() => void) | undefined
  let savedName = ''
  const title = h('h2', { id: 'elder-title', tabindex: -1 }, elderId ? elderId : ew('newElder'))
  const notice = h('p', { class: 'notice', id: 'elder-notice', role: 'status' }, ctx.notice ?? '')
  const body = h('div', { class: 'elder-file' }, h('p', { class: 'muted' }, ew('loading')))
  root.append(
    h(
      'header',
      { class: 'section-head' },
      h('a', { href: '#/elders', id: 'elder-back' }, `← ${ew('back')}`),
      title,
    ),
    notice,
    body,
  )
  const tiles = loadTileSettings().catch(() => undefined)

  const build = (elder: Elder | undefined) => {
    const form = new ElderForm(elder, () => void save(form))
    const extras = h('div', { class: 'elder-extras' })
    body.replaceChildren(form.form, extras)
    if (elder) {
      savedName = elder.name
      title.textContent = `${ew('title')}：${elder.name}（${elder.id}）`
      const side = h('div', { class: 'elder-activity' })
      extras.append(side)
      const held = new ElderActivity(side, elder.id)
      activity = held
      void held.load()
      extras.append(
        privacyActions({
          elderId: elder.id,
          name: () => savedName,
          devices: () => held.deviceIds(),
          onErased: erased,
        }),
      )
      title.focus()
    } else {
      form.focusFirst()
    }
    void tiles.then((settings) => {
      if (gone) return
      const picker = form.attach(settings)
      // a handle for the browser tests, which click a known point on the map
      Object.assign(window, { careElderMap: picker })
      leaveMap = () => {
        picker.remove()
        Reflect.deleteProperty(window, 'careElderMap')
      }
    })
  }

  const save = async (form: ElderForm) => {
    const creating = form.creating
    let saved: Elder | undefined
    form.setStatus(ew('saving'))
    const ok = await submitting(form.form, async () => {
      const id = creating ? form.typedId() : (elderId as string)
      if (creating) await mustBeFree(id)
      saved = await api<Elder>('PUT', `/elders/${encodeURIComponent(id)}`, form.body())
    })
    if (gone) return
    form.setStatus(ok ? ew('saved') : '')
    if (!ok || !saved) return
    if (creating) {
      ctx.remember(ew('created', { id: saved.id }))
      location.replace(`#/elders/${encodeURIComponent(saved.id)}`)
      return
    }
    savedName = saved.name
    title.textContent = `${ew('title')}：${saved.name}（${saved.id}）`
  }

  const erased = (report: Erasure) => {
    ctx.remember(
      ew('erased', {
        id: report.erased,
        devices: report.devices.length,
        positions: report.positions,
        vitals: report.vitals,
        alarms: report.alarmsKept,
      }),
    )
    location.hash = '#/elders'
  }

  if (elderId === undefined) {
    build(undefined)
  } else {
    api<Elder>('GET', `/elders/${encodeURIComponent(elderId)}`)
      .then((elder) => {
        if (!gone) build(elder)
      })
      .catch((error: unknown) => {
        if (gone) return
        const message = error instanceof Error ? error.message : String(error)
        body.replaceChildren(h('p', { class: 'error', role: 'alert' }, ew('loadFailed', { message })))
      })
  }

  return {
    onLive(message) {
      activity?.hear(message)
    },
    leave() {
      gone = true
      activity?.leave()
      leaveMap?.()
    },
  }
}

/** A new file's id must be one nobody holds: the refusal is shown beside the id, as the API's are. */
async function mustBeFree(id: string): Promise<void> {
  if (id === '') throw new ApiFailure(400, 'BAD_REQUEST', `id: ${ew('idRequired')}`)
  const taken = await api('GET', `/elders/${encodeURIComponent(id)}`).then(
    () => true,
    (error: unknown) => {
      // 404: free; a malformed id is the API's BAD_REQUEST about `id`, shown beside it
      if (error instanceof ApiFailure && error.status === 404) return false
      throw error
    },
  )
  if (taken) throw new ApiFailure(400, 'BAD_REQUEST', `id: ${ew('idTaken')}`)
}
