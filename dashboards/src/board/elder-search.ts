import type { Elder } from '../shared/model.ts'

/** The hotline form's match: name or address containing the text, or a phone containing its digits. */
export function matchElders(elders: readonly Elder[], text: string, max = 8): Elder[] {
  const needle = text.trim().toLowerCase()
  if (!needle) return []
  const digits = needle.replace(/[\s-]/g, '')
  return elders
    .filter(
      (e) =>
        e.name.toLowerCase().includes(needle) ||
        (e.address ?? '').toLowerCase().includes(needle) ||
        (/^\d+$/.test(digits) && (e.phone ?? '').replace(/[\s-]/g, '').includes(digits)),
    )
    .slice(0, max)
}
