import type { PhotoRef, Visit } from '../../../gateway/visits/model.ts'

/**
 * A planned visit due on a day, nobody signed in, of an elder of its own (an elder has one planned
 * visit due at a time); `more` overrides any field.
 */
export function aVisit(id: string, more: Partial<Visit> = {}): Visit {
  return {
    id,
    kind: 'planned',
    status: 'due',
    elderId: `E-${id}`,
    risk: 'medium',
    grid: ['滨城区', '市中街道'],
    dueDay: '2026-11-30',
    photos: [],
    flags: [],
    createdAt: 1_000,
    updatedAt: 1_000,
    ...more,
  }
}

/** A photo reference attached at `at`; the id is 64 hex digits, as the photo store names them. */
export function aPhoto(n: number, at: number): PhotoRef {
  return { id: n.toString(16).padStart(64, '0'), type: 'jpeg', size: 1_024, at }
}
