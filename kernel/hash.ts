import { createHash, timingSafeEqual } from 'node:crypto'

/** Constant-time comparison of two strings of any length. */
export function sameText(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url')
}
