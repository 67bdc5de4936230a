import { en } from './lang-en.ts'
import { zh } from './lang-zh.ts'

export type Lang = 'zh-CN' | 'en'
export type Key = keyof typeof zh

const KEY = 'care.lang'

/** zh-CN first (the people who use it), English second. */
export function lang(): Lang {
  return localStorage.getItem(KEY) === 'en' ? 'en' : 'zh-CN'
}

export function setLang(next: Lang): void {
  localStorage.setItem(KEY, next)
  document.documentElement.lang = next
}

export function t(key: Key, vars: Record<string, string | number> = {}): string {
  const text: string = (lang() === 'en' ? en : zh)[key] ?? key
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''))
}

/** Fills every `data-i18n="key"` element below `root` with its text in the current language. */
export function translate(root: ParentNode = document): void {
  document.documentElement.lang = lang()
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as Key)
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel as Key))
    el.title = t(el.dataset.i18nLabel as Key)
  }
  for (const el of root.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder as Key)
  }
}
