/** A tiny element builder: h('button', {class: 'x', onclick}, 'text'). Text is always set as text. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: (Node | string | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === false) continue
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value as EventListener)
    } else if (name === 'dataset') {
      Object.assign(el.dataset, value)
    } else {
      el.setAttribute(name, value === true ? '' : String(value))
    }
  }
  for (const child of children) {
    if (child === undefined || child === false) continue
    el.append(child)
  }
  return el
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id)
  if (!el) throw new Error(`no #${id}`)
  return el as T
}
