import { lang } from '../shared/i18n.ts'

/**
 * The stations section's own words (服务站: a carer's base, shared/glossary.md), beside the console's
 * (words.ts, accounts-words.ts) and the shared glossary. zh-CN first.
 */
const zh = {
  title: '服务站',
  addStation: '新增服务站',
  stationTitle: '服务站 {id}',
  id: '编号',
  idHint: '3–64 个字母、数字、_ 或 -，保存后不能修改',
  name: '名称',
  address: '地址',
  phone: '电话',
  grid: '所属网格',
  gridHint: '各级用 / 分隔，街道在前，最多 7 级，如 海丰街道/东关社区',
  location: '位置',
  locationHint: '“纬度, 经度”（WGS-84），如 37.3835, 117.9707；留空为不设位置',
  locationFormat: '请填写“纬度, 经度”两个数字',
  carers: '护理员',
  carersUnknown: '—',
  required: '必填',
  stationExists: '服务站 {id} 已存在，请在其页面修改',
  save: '保存',
  saved: '已保存',
  created: '已创建服务站。',
  backToList: '返回列表',
  loading: '加载中…',
  none: '暂无服务站',
  notFound: '未找到服务站 {id}',
  loadFailed: '加载失败：{message}',
  carersHere: '本站护理员',
  noCarersHere: '暂无护理员归属本站',
  createdAt: '创建时间',
  updatedAt: '更新时间',
  // the carer form's station select
  stationNone: '无',
  stationPick: '所属服务站',
  stationPickHint: '从已登记的服务站中选择；上面的“服务站”文字仍可单独填写',
}
const en: typeof zh = {
  title: 'Stations',
  addStation: 'Add a station',
  stationTitle: 'Station {id}',
  id: 'ID',
  idHint: '3–64 letters, digits, _ or -; cannot be changed once saved',
  name: 'Name',
  address: 'Address',
  phone: 'Phone',
  grid: 'Grid',
  gridHint: 'Levels separated by /, street first, up to 7, e.g. Haifeng St/Dongguan',
  location: 'Location',
  locationHint: '“lat, lon” (WGS-84), e.g. 37.3835, 117.9707; empty for none',
  locationFormat: 'Type “lat, lon”: two numbers',
  carers: 'Carers',
  carersUnknown: '—',
  required: 'Required',
  stationExists: 'Station {id} exists already; change it on its page.',
  save: 'Save',
  saved: 'Saved',
  created: 'Station created.',
  backToList: 'Back to the list',
  loading: 'Loading…',
  none: 'No stations yet',
  notFound: 'No station {id}',
  loadFailed: 'Could not load: {message}',
  carersHere: 'Carers at this station',
  noCarersHere: 'No carer belongs to this station yet',
  createdAt: 'Created',
  updatedAt: 'Updated',
  stationNone: 'none',
  stationPick: 'Station (registered)',
  stationPickHint: 'One of the registered stations; the free-text station above stays as it is',
}

export type StationWord = keyof typeof zh

export function sw(key: StationWord, vars: Record<string, string | number> = {}): string {
  const text = (lang() === 'en' ? en : zh)[key]
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? ''))
}
