/**
 * One beat for everything that flashes: `blink` on <body>, on and off twice
 * a second. A single class change costs one style pass; CSS animations on
 * hundreds of elements cost a repaint every frame. With reduced motion the
 * beat stops and flashing things stay marked, without moving.
 */
export function startBlinking(periodMs = 500): void {
  const reduced = matchMedia('(prefers-reduced-motion: reduce)')
  setInterval(() => {
    if (reduced.matches) document.body.classList.add('blink')
    else document.body.classList.toggle('blink')
  }, periodMs)
}
