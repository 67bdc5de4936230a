import { lang } from '../shared/i18n.ts'

/** The console's own words, beside the shared glossary (shared/lang-*.ts). Sections add theirs here. */
const zh = {
  sections: '管理项目',
  live_connecting: '连接中…',
  live_live: '实时',
  live_reconnecting: '重新连接中…',
}
const en: typeof zh = {
  sections: 'Sections',
  live_connecting: 'Connecting…',
  live_live: 'Live',
  live_reconnecting: 'Reconnecting…',
}

export type Word = keyof typeof zh

export function w(key: Word, vars: Record<string, string | number> = {}): string {
  const text = (lang() === 'en' ? en : zh)[key]
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''))
}
