import { between, pick, seededRandom } from '../bench/lib/prng.ts'

/**
 * A seeded virtual district: the same seed gives the same elders, devices
 * and carers on every run. Default: Wudi County (无棣县), Binzhou, Shandong —
 * the county seat and three towns.
 */
export type Risk = 'high' | 'medium' | 'low' | 'safe'
export type Mode = 'walk' | 'bike' | 'ebike' | 'car'
export interface Point {
  lat: number
  lon: number
}
export interface Street {
  name: string
  centre: Point
  communities: string[]
}
export interface SimElder {
  id: string
  name: string
  phone: string
  address: string
  grid: [string, string, string, string, string, string]
  home: Point
  risk: Risk
  contacts: { name: string; relation: string; phone: string }[]
  fence: { radiusM: number }
  /** Likely to walk out of the fence (dementia, for instance). */
  wanders: boolean
}
export interface SimDevice {
  id: string
  kind: 'terminal' | 'watch' | 'phone'
  elderId: string
  secret: string
  intervalS: number
}
export interface SimCarer {
  id: string
  name: string
  phone: string
  station: string
  mode: Mode
  secret: string
  base: Point
  /** Hours of the day (local) on duty: [start, end). */
  shift: [number, number]
}
export interface District {
  seed: number
  streets: Street[]
  elders: SimElder[]
  devices: SimDevice[]
  carers: SimCarer[]
}
export interface DistrictOptions {
  seed?: number
  elders?: number
  carers?: number
}

export const WUDI: readonly Street[] = [
  {
    name: '海丰街道',
    centre: { lat: 37.7706, lon: 117.6253 },
    communities: ['东关社区', '西关社区', '北街社区'],
  },
  { name: '车王镇', centre: { lat: 37.8189, lon: 117.7132 }, communities: ['车王村', '田家村'] },
  { name: '水湾镇', centre: { lat: 37.6545, lon: 117.5528 }, communities: ['水湾村', '新城社区'] },
  { name: '信阳镇', centre: { lat: 37.7312, lon: 117.4881 }, communities: ['信阳村', '大庄村'] },
]

const SURNAMES = ['张', '王', '李', '刘', '陈', '杨', '赵', '黄', '周', '吴', '孙', '马'] as const
const GIVEN = ['秀英', '桂兰', '玉兰', '建国', '德明', '淑珍', '凤英', '志强', '金花', '长林'] as const
const RELATIONS = ['儿子', '女儿', '侄子', '邻居'] as const
const RISKS = ['high', 'medium', 'medium', 'low', 'low', 'low', 'safe'] as const
const MODES = ['walk', 'bike', 'ebike', 'ebike', 'car'] as const
const SHIFTS: readonly [[number, number], ...[number, number][]] = [
  [0, 24],
  [8, 20],
  [20, 8],
]

/** Metres to degrees near this latitude. */
export function offset(at: Point, northM: number, eastM: number): Point {
  const lat = at.lat + northM / 111_320
  const lon = at.lon + eastM / (111_320 * Math.cos((at.lat * Math.PI) / 180))
  return { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 }
}

function phone(random: () => number): string {
  return `13${Math.floor(between(random, 100_000_000, 999_999_999))}`
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

export function generateDistrict(options: DistrictOptions = {}): District {
  const seed = options.seed ?? 20_260_105
  const random = seededRandom(seed)
  const streets = WUDI.map((s) => ({ ...s, communities: [...s.communities] }))
  const elders: SimElder[] = []
  const devices: SimDevice[] = []
  const count = options.elders ?? 200
  for (let i = 0; i < count; i++) {
    const street = streets[i % streets.length] as Street
    const community = pick(random, street.communities as [string, ...string[]])
    const grid = `第${1 + Math.floor(random() * 6)}网格`
    const building = `${1 + Math.floor(random() * 20)}号楼`
    const unit = `${1 + Math.floor(random() * 4)}单元`
    const room = `${1 + Math.floor(random() * 6)}0${1 + Math.floor(random() * 2)}`
    const home = offset(street.centre, between(random, -2_500, 2_500), between(random, -2_500, 2_500))
    const surname = pick(random, SURNAMES)
    const id = `E${pad(i + 1, 5)}`
    elders.push({
      id,
      name: `${surname}${pick(random, GIVEN)}`,
      phone: phone(random),
      address: `滨州市无棣县${street.name}${community}${building}${unit}${room}`,
      grid: [street.name, community, grid, building, unit, room],
      home,
      risk: pick(random, RISKS),
      contacts: [
        { name: `${surname}${pick(random, GIVEN)}`, relation: pick(random, RELATIONS), phone: phone(random) },
      ],
      fence: { radiusM: pick(random, [300, 500, 800]) },
      wanders: random() < 0.05,
    })
    const kind = pick(random, ['terminal', 'watch', 'phone'] as const)
    devices.push({
      // watches speak the "3G" protocol, which names a device by a 10-digit id or a 15-digit IMEI
      id: kind === 'watch' ? `8635${pad(i + 1, 11)}` : `D${pad(i + 1, 5)}`,
      kind,
      elderId: id,
      secret: `sim-${seed}-${pad(i + 1, 5)}-${Math.floor(random() * 1e9).toString(36)}`,
      intervalS: kind === 'terminal' ? 600 : 60,
    })
  }
  const carers: SimCarer[] = []
  const carerCount = options.carers ?? Math.max(4, Math.ceil(count / 10))
  for (let i = 0; i < carerCount; i++) {
    const street = streets[i % streets.length] as Street
    carers.push({
      id: `C${pad(i + 1, 4)}`,
      name: `${pick(random, SURNAMES)}${pick(random, GIVEN)}`,
      phone: phone(random),
      station: `${street.name}服务站`,
      mode: pick(random, MODES),
      secret: `sim-carer-${seed}-${pad(i + 1, 4)}-${Math.floor(random() * 1e9).toString(36)}`,
      base: offset(street.centre, between(random, -1_500, 1_500), between(random, -1_500, 1_500)),
      shift: pick(random, SHIFTS),
    })
  }
  return { seed, streets, elders, devices, carers }
}
