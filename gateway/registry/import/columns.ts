/**
 * Column headers of the bulk import, in English (the PUT body's camelCase keys) and in the
 * Chinese words staff already use (glossary), and how a CSV cell becomes a PUT body field.
 * A cell that cannot be converted is passed through unchanged so the zod body refuses it
 * with its usual message: a row is valid exactly when the PUT body would be.
 */

export type ImportType = 'elders' | 'devices' | 'carers'
export const importTypes = ['elders', 'devices', 'carers'] as const

type Cell = (value: string) => unknown

const asNumber: Cell = (v) => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v)
const asText: Cell = (v) => v
const asList: Cell = (v) =>
  v
    .split(/[;；、,，]/)
    .map((s) => s.trim())
    .filter(Boolean)
const asGrid: Cell = (v) =>
  v
    .split('/')
    .map((s) => s.trim())
    .filter(Boolean)
const oneOf =
  (words: Record<string, string>): Cell =>
  (v) =>
    words[v.trim()] ?? words[v.trim().toLowerCase()] ?? v.trim()

const risk = oneOf({ 高: 'high', 中: 'medium', 低: 'low', 基本安全: 'safe', 安全: 'safe' })
const kind = oneOf({ 手机: 'phone', 终端: 'terminal', 手表: 'watch', 传感器: 'sensor' })
const mode = oneOf({ 步行: 'walk', 自行车: 'bike', 电动车: 'ebike', 汽车: 'car' })

/** "李明:儿子:13900000002;王芳::13900000003" → contacts; two parts mean name and phone. */
const asContacts: Cell = (v) =>
  v
    .split(/[;；]/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const parts = entry.split(/[:：]/).map((s) => s.trim())
      const [name, relation, phone] = parts.length === 2 ? [parts[0], '', parts[1]] : parts
      return { name, ...(relation ? { relation } : {}), phone }
    })

export interface Column {
  /** Where the value goes in the flat row: a body key, or a dotted path such as `home.lat`. */
  key: string
  headers: readonly string[]
  cell: Cell
}

const idColumn: Column = { key: 'id', headers: ['id', 'ID', '编号'], cell: asText }
const phoneColumn: Column = { key: 'phone', headers: ['phone', '电话', '手机', '手机号'], cell: asText }
const nameColumn: Column = { key: 'name', headers: ['name', '姓名'], cell: asText }

export const columns: Record<ImportType, readonly Column[]> = {
  elders: [
    idColumn,
    nameColumn,
    phoneColumn,
    { key: 'address', headers: ['address', '地址'], cell: asText },
    { key: 'grid', headers: ['grid', '网格'], cell: asGrid },
    { key: 'home.lat', headers: ['lat', '纬度'], cell: asNumber },
    { key: 'home.lon', headers: ['lon', '经度'], cell: asNumber },
    { key: 'risk', headers: ['risk', '风险等级'], cell: risk },
    { key: 'notes', headers: ['notes', '备注'], cell: asText },
    { key: 'contacts', headers: ['contacts', '紧急联系人'], cell: asContacts },
    { key: 'fence.radiusM', headers: ['fenceRadiusM', '围栏半径'], cell: asNumber },
  ],
  devices: [
    idColumn,
    { key: 'kind', headers: ['kind', '设备类型'], cell: kind },
    { key: 'elderId', headers: ['elderId', '老人编号'], cell: asText },
    { key: 'secret', headers: ['secret', '密钥'], cell: asText },
    { key: 'intervalS', headers: ['intervalS', '上报间隔'], cell: asNumber },
  ],
  carers: [
    idColumn,
    nameColumn,
    phoneColumn,
    { key: 'station', headers: ['station', '服务站'], cell: asText },
    { key: 'mode', headers: ['mode', '出行方式'], cell: mode },
    { key: 'skills', headers: ['skills', '技能'], cell: asList },
    { key: 'secret', headers: ['secret', '密钥'], cell: asText },
    { key: 'base.lat', headers: ['baseLat', '驻点纬度'], cell: asNumber },
    { key: 'base.lon', headers: ['baseLon', '驻点经度'], cell: asNumber },
  ],
}

/**
 * The reason column of a report downloaded from the admin console (docs/import.md): read and left
 * out, so a report's rows, once fixed, are imported as they are.
 */
export const reasonColumn: Column = { key: '', headers: ['reason', '错误原因'], cell: asText }

/** Match the file's header line to columns; an unknown header is an error for the whole file. */
export function mapHeaders(type: ImportType, headers: readonly string[]): (Column | Error)[] {
  return headers.map((raw) => {
    const header = raw.trim()
    const column = [...columns[type], reasonColumn].find((c) =>
      c.headers.some((h) => h.toLowerCase() === header.toLowerCase()),
    )
    return column ?? new Error(`unknown column "${header}" for ${type}`)
  })
}

/**
 * A cell the pages exported with a `'` before what a spreadsheet would run as a formula (the CSV
 * formula guard, kernel/csv.ts) is read back without it: `'+86 139…` is the
 * phone number `+86 139…`, so a downloaded report imports as it was.
 */
const GUARDED = /^'(?=[=+\-@\t\r\uff1d\uff0b\uff0d\uff20])/

/** One CSV record → `{id, ...PUT body}`; empty cells are left out, as an absent field would be. */
export function rowOf(mapped: readonly Column[], cells: readonly string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {}
  mapped.forEach((column, i) => {
    const value = cells[i]?.replace(GUARDED, '')
    if (value === undefined || value.trim() === '' || column.key === '') return
    const [head, tail] = column.key.split('.') as [string, string | undefined]
    if (tail === undefined) {
      row[head] = column.cell(value)
      return
    }
    const inner = (row[head] ?? {}) as Record<string, unknown>
    inner[tail] = column.cell(value)
    row[head] = inner
  })
  return row
}
