import { type Key, t } from './i18n.ts'

/** A running timer: 0:42, 12:05, 1:02:05. */
export function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

export function meters(m: number): string {
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`
}

export function minutes(min: number): string {
  return t('minutes', { n: Math.max(1, Math.round(min)) })
}

export function dateTime(ms: number): string {
  return new Date(ms).toLocaleString(document.documentElement.lang || 'zh-CN', { hour12: false })
}

/** A word from the glossary for a contract value (kind_sos, state_open, …), or the value itself. */
export function word(prefix: string, value: string): string {
  const key = `${prefix}_${value}`
  const text = t(key as Key)
  return text === key ? value : text
}
