import type {
  BulkResult,
  BulkRow,
  Credential,
  DeviceQuery,
  ElderExport,
  ElderQuery,
  ErasureReport,
  ListQuery,
  Page,
  PrivacyRepository,
  RegistryRepository,
  RegistrySnapshot,
  Saved,
  UserCredential,
} from '../../../gateway/registry/ports.ts'
import type {
  Carer,
  CarerBody,
  Device,
  DeviceBody,
  Elder,
  ElderBody,
  Service,
  ServiceBody,
  Station,
  StationBody,
  User,
  UserBody,
} from '../../../gateway/registry/schemas.ts'
import { pageOf } from './page.ts'

const byCreated = (r: { id: string; createdAt: number }) => ({ at: r.createdAt, id: r.id })
const inGrid = (grid: readonly string[] | undefined, prefix: readonly string[] | undefined) =>
  !prefix || prefix.every((g, i) => grid?.[i] === g)

/**
 * The registry's repositories in memory, for unit tests of the registry and access without a store.
 * It keeps the same promises the SQLite adapter does; `writes` counts the calls that changed something.
 */
export class MemoryRegistry implements RegistryRepository, PrivacyRepository {
  readonly elders = new Map<string, Elder>()
  readonly devices = new Map<string, { device: Device; secretHash: string }>()
  readonly carers = new Map<string, { carer: Carer; secretHash: string }>()
  readonly services = new Map<string, { service: Service; secretHash: string }>()
  readonly users = new Map<string, UserCredential>()
  readonly stations = new Map<string, Station>()
  writes = 0

  async load(): Promise<RegistrySnapshot> {
    return {
      elders: [...this.elders.values()],
      devices: [...this.devices.values()].map((d) => d.device),
      carers: [...this.carers.values()].map((c) => c.carer),
    }
  }

  async saveElder(id: string, body: ElderBody, at: number): Promise<Saved<Elder>> {
    return this.#saveElder(id, body, at)
  }

  async listElders(q: ElderQuery): Promise<Page<Elder>> {
    const word = q.text?.toLowerCase()
    const all = [...this.elders.values()].filter(
      (e) =>
        inGrid(e.grid, q.grid) &&
        (!q.risk || q.risk.includes(e.risk)) &&
        (!word || [e.id, e.name, e.phone ?? '', e.address ?? ''].some((f) => f.toLowerCase().includes(word))),
    )
    return pageOf(all, byCreated, q.limit, q.cursor)
  }

  async saveDevice(
    id: string,
    body: Omit<DeviceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Device>> {
    return this.#saveDevice(id, body, secretHash, at)
  }

  async findDevice(id: string): Promise<Device | undefined> {
    return this.devices.get(id)?.device
  }

  async listDevices(q: DeviceQuery): Promise<Page<Device>> {
    const all = [...this.devices.values()]
      .map((d) => d.device)
      .filter((d) => inGrid(this.elders.get(d.elderId)?.grid, q.grid))
      .filter((d) => !q.elderIds || q.elderIds.includes(d.elderId))
    return pageOf(all, byCreated, q.limit, q.cursor)
  }

  async saveCarer(
    id: string,
    body: Omit<CarerBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Carer>> {
    return this.#saveCarer(id, body, secretHash, at)
  }

  async listCarers(q: ListQuery): Promise<Page<Carer>> {
    return pageOf(
      [...this.carers.values()].map((c) => c.carer),
      byCreated,
      q.limit,
      q.cursor,
    )
  }

  async saveService(
    id: string,
    body: Omit<ServiceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Service>> {
    this.writes += 1
    const before = this.services.get(id)
    const service = { id, name: body.name ?? '', createdAt: before?.service.createdAt ?? at, updatedAt: at }
    this.services.set(id, { service, secretHash })
    return { created: !before, record: service }
  }

  async saveStation(id: string, body: StationBody, at: number): Promise<Saved<Station>> {
    this.writes += 1
    const before = this.stations.get(id)
    const record: Station = { id, ...body, createdAt: before?.createdAt ?? at, updatedAt: at }
    this.stations.set(id, record)
    return { created: !before, record }
  }

  async findStation(id: string): Promise<Station | undefined> {
    return this.stations.get(id)
  }

  async listStations(q: ListQuery): Promise<Page<Station>> {
    const all = [...this.stations.values()].filter((s) => inGrid(s.grid, q.grid))
    return pageOf(all, byCreated, q.limit, q.cursor)
  }

  async listServices(q: ListQuery): Promise<Page<Service>> {
    return pageOf(
      [...this.services.values()].map((s) => s.service),
      byCreated,
      q.limit,
      q.cursor,
    )
  }

  async credential(id: string): Promise<Credential | undefined> {
    const device = this.devices.get(id)
    if (device) return { kind: 'device', secretHash: device.secretHash }
    const carer = this.carers.get(id)
    if (carer) return { kind: 'carer', secretHash: carer.secretHash }
    const service = this.services.get(id)
    return service ? { kind: 'service', secretHash: service.secretHash } : undefined
  }

  async importMany(rows: readonly BulkRow[], at: number): Promise<BulkResult[]> {
    return rows.map((row): BulkResult => {
      if (row.type === 'elder') return { stored: this.#saveElder(row.id, row.body, at) }
      if (row.type === 'device') {
        if (!this.elders.has(row.body.elderId)) return { refused: 'UNKNOWN_ELDER' }
        if (this.carers.has(row.id) || this.services.has(row.id)) return { refused: 'ID_TAKEN' }
        return { stored: this.#saveDevice(row.id, row.body, row.secretHash, at) }
      }
      if (this.devices.has(row.id) || this.services.has(row.id)) return { refused: 'ID_TAKEN' }
      return { stored: this.#saveCarer(row.id, row.body, row.secretHash, at) }
    })
  }

  async saveUser(
    username: string,
    body: Omit<UserBody, 'password'>,
    passHash: string,
    at: number,
  ): Promise<Saved<User>> {
    this.writes += 1
    const before = this.users.get(username)?.user
    const user: User = {
      ...body,
      username,
      disabled: before?.disabled ?? false,
      createdAt: before?.createdAt ?? at,
      updatedAt: at,
    }
    this.users.set(username, { user, passHash })
    return { created: !before, record: user }
  }

  async findUser(username: string): Promise<UserCredential | undefined> {
    return this.users.get(username)
  }

  async listUsers(q: ListQuery): Promise<Page<User>> {
    const all = [...this.users.values()].map((u) => u.user)
    return pageOf(all, (u) => ({ at: u.createdAt, id: u.username }), q.limit, q.cursor)
  }

  async setUserDisabled(username: string, disabled: boolean, at: number): Promise<User | undefined> {
    const found = this.users.get(username)
    if (!found) return undefined
    this.writes += 1
    found.user = { ...found.user, disabled, updatedAt: at }
    return found.user
  }

  async deleteUser(username: string): Promise<boolean> {
    return this.users.delete(username)
  }

  async enabledAdmins(except?: string): Promise<number> {
    return [...this.users.values()].filter(
      ({ user }) => user.role === 'admin' && !user.disabled && user.username !== except,
    ).length
  }

  async exportElder(elderId: string): Promise<ElderExport | undefined> {
    const elder = this.elders.get(elderId)
    if (!elder) return undefined
    const devices = [...this.devices.values()].filter((d) => d.device.elderId === elderId)
    return {
      elder,
      devices: devices.map((d) => d.device),
      alarms: [],
      positions: [],
      vitals: [],
      scans: [],
      visits: [],
      visitPlan: null,
    }
  }

  async eraseElder(elderId: string): Promise<ErasureReport | undefined> {
    if (!this.elders.delete(elderId)) return undefined
    this.writes += 1
    const devices = [...this.devices.values()]
      .filter((d) => d.device.elderId === elderId)
      .map((d) => d.device.id)
    for (const id of devices) this.devices.delete(id)
    return {
      devices,
      positions: 0,
      vitals: 0,
      alarmsKept: 0,
      history: { waiting: 0, rejected: 0 },
      visits: 0,
      photos: [],
    }
  }

  #saveElder(id: string, body: ElderBody, at: number): Saved<Elder> {
    this.writes += 1
    const before = this.elders.get(id)
    const elder: Elder = { ...body, id, createdAt: before?.createdAt ?? at, updatedAt: at }
    this.elders.set(id, elder)
    return { created: !before, record: elder }
  }

  #saveDevice(id: string, body: Omit<DeviceBody, 'secret'>, secretHash: string, at: number): Saved<Device> {
    this.writes += 1
    const before = this.devices.get(id)?.device
    // a replaced device keeps its live state, as in the store
    const device: Device = { ...before, ...body, id, createdAt: before?.createdAt ?? at, updatedAt: at }
    this.devices.set(id, { device, secretHash })
    return { created: !before, record: device }
  }

  #saveCarer(id: string, body: Omit<CarerBody, 'secret'>, secretHash: string, at: number): Saved<Carer> {
    this.writes += 1
    const before = this.carers.get(id)?.carer
    const carer: Carer = {
      ...body,
      id,
      duty: before?.duty ?? 'off',
      createdAt: before?.createdAt ?? at,
      updatedAt: at,
    }
    if (before?.position) carer.position = before.position
    this.carers.set(id, { carer, secretHash })
    return { created: !before, record: carer }
  }
}
