import { lang } from '../shared/i18n.ts'

/** The audit section's own words (zh-CN first). */
const zh = {
  title: '操作日志',
  actor: '操作人',
  action: '操作',
  actionHint: '如 elders.import；只写前缀（如 elder）即包含 elder.put 等',
  target: '对象',
  from: '开始日期',
  to: '结束日期',
  pageSize: '每页',
  apply: '查询',
  clear: '清除条件',
  at: '时间',
  source: '来源',
  detail: '详情',
  loading: '正在读取…',
  empty: '没有符合条件的记录',
  newer: '较新的',
  older: '较早的',
  pageNo: '第 {n} 页',
  badRange: '结束日期不能早于开始日期',
}
const en: typeof zh = {
  title: 'Audit log',
  actor: 'Actor',
  action: 'Action',
  actionHint: 'e.g. elders.import; a prefix (elder) also matches elder.put and the like',
  target: 'Target',
  from: 'From',
  to: 'To',
  pageSize: 'Per page',
  apply: 'Search',
  clear: 'Clear',
  at: 'Time',
  source: 'Source',
  detail: 'Detail',
  loading: 'Loading…',
  empty: 'No entries match',
  newer: 'Newer',
  older: 'Older',
  pageNo: 'Page {n}',
  badRange: 'The end date is before the start date',
}

export function aw(key: keyof typeof zh, vars: Record<string, string | number> = {}): string {
  const text = (lang() === 'en' ? en : zh)[key]
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''))
}
