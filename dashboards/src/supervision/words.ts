import { lang } from '../shared/i18n.ts'

/** The supervision page's own words, beside the shared glossary (shared/lang-*.ts). */
const zh = {
  total: '合计 {n}',
  accepted: '已接单 {n}',
  due: '应到 {n}，准时 {ok}',
  more: '显示更多',
  shown: '已显示 {shown} / {total}',
  exporting: '正在导出…',
  elderId: '老人编号',
  chartsUnavailable: '图表数据暂不可用',
}
const en: typeof zh = {
  total: 'Total {n}',
  accepted: 'Accepted {n}',
  due: 'Due {n}, on time {ok}',
  more: 'Show more',
  shown: 'Showing {shown} of {total}',
  exporting: 'Exporting…',
  elderId: 'Elder ID',
  chartsUnavailable: 'Chart data unavailable',
}

export function w(key: keyof typeof zh, vars: Record<string, string | number> = {}): string {
  const text = (lang() === 'en' ? en : zh)[key]
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''))
}
