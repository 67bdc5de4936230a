import type { LiveMessage } from '../shared/model.ts'

/**
 * One part of the admin console (elders, devices, carers, …), reached by the hash: `#/elders`,
 * `#/elders/E001`. The console draws the tabs and the live stream; a section draws the rest.
 */
export interface Section {
  /** The hash's first part: `elders` for `#/elders/…`. */
  path: string
  /** The tab's text, in the page's language. */
  title: () => string
  /**
   * Draws the section into `root` for the rest of the hash (`#/elders/E001` → `['E001']`). The
   * returned view hears the live stream while it is shown, and is told when it goes.
   */
  mount(root: HTMLElement, rest: readonly string[]): SectionView
}

export interface SectionView {
  /** Every live message (snapshot, alarm, carer, device) while the section is shown. */
  onLive?(message: LiveMessage): void
  /** The section is left: stop timers and requests. */
  leave?(): void
}
