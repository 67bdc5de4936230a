import type { Principal } from '../../kernel/contract/principal.ts'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import { type RegistryChange, RegistryChanges, type RegistryListener } from './changes.ts'
import type {
  BulkRow,
  DeviceQuery,
  ElderExport,
  ElderQuery,
  ErasureReport,
  ListQuery,
  Page,
  PrivacyRepository,
  RegistryRepository,
} from './ports.ts'
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
} from './schemas.ts'
import {
  dummyVerify,
  hashSecret,
  machineCost,
  passwordCost,
  randomToken,
  sha256,
  verifySecret,
} from './secrets.ts'

export type { BulkRow, DeviceQuery, ElderQuery, ListQuery, Page, RegistryChange, RegistryListener }

export class RegistryError extends Error {
  readonly code: 'UNKNOWN_ELDER' | 'ID_TAKEN' | 'UNKNOWN_CARER' | 'SECRET_REQUIRED' | 'UNKNOWN_STATION'
  constructor(code: RegistryError['code'], message: string) {
    super(message)
    this.code = code
  }
}

export type BulkOutcome = { created: boolean } | { error: RegistryError }

export interface RegistryDeps {
  repository: RegistryRepository
  privacy: PrivacyRepository
  clock: Clock
  log?: Logger
  metrics?: Metrics
}

/**
 * Elders, devices, carers, services and web users. Secrets are hashed on the way in and never
 * leave; every read returns the contract's shapes. Elders, devices and carers' profiles are held
 * in memory — loaded at start, written through the repository on every change — so the hot paths
 * read them synchronously (docs/architecture.md, "Hot reads come from memory the domain owns");
 * whoever changes one, listeners hear of it (`subscribe`).
 */
export class Registry {
  readonly #repo: RegistryRepository
  readonly #privacy: PrivacyRepository
  readonly #clock: Clock
  readonly #changes: RegistryChanges
  readonly #elders = new Map<string, Elder>()
  /** The registry's part of each device: its live state (online, battery) is telemetry's. */
  readonly #devices = new Map<string, Device>()
  readonly #carers = new Map<string, Carer>()
  /** sha256(id, secret) of credentials verified since start: a reconnect storm costs no scrypt. */
  readonly #verified = new Map<string, string>()

  constructor(deps: RegistryDeps) {
    this.#repo = deps.repository
    this.#privacy = deps.privacy
    this.#clock = deps.clock
    this.#changes = new RegistryChanges(deps.log, deps.metrics)
  }

  /** Reads the elders, devices and carers into memory; before anything else asks. */
  async load(): Promise<void> {
    const snapshot = await this.#repo.load()
    for (const elder of snapshot.elders) this.#elders.set(elder.id, elder)
    for (const device of snapshot.devices) this.#devices.set(device.id, profileOf(device))
    for (const carer of snapshot.carers) this.#carers.set(carer.id, carer)
  }

  subscribe(name: string, listener: RegistryListener): () => void {
    return this.#changes.subscribe(name, listener)
  }

  async putElder(id: string, body: ElderBody): Promise<{ created: boolean; elder: Elder }> {
    const { created, record } = await this.#repo.saveElder(id, body, this.#clock.now())
    this.#elderStored(record)
    return { created, elder: record }
  }

  getElder(id: string): Elder | undefined {
    return this.#elders.get(id)
  }

  /** Every elder, from memory. */
  allElders(): IterableIterator<Elder> {
    return this.#elders.values()
  }

  listElders(q: ElderQuery): Promise<Page<Elder>> {
    return this.#repo.listElders(q)
  }

  /**
   * The grid names in use one level below `parent`, with how many elders lie under each, from
   * memory: the admin console offers them level by level when an elder's grid path is chosen.
   */
  gridChildren(parent: readonly string[]): { name: string; elders: number }[] {
    const counts = new Map<string, number>()
    for (const elder of this.#elders.values()) {
      const grid = elder.grid ?? []
      if (grid.length <= parent.length || !parent.every((g, i) => grid[i] === g)) continue
      const name = grid[parent.length] as string
      counts.set(name, (counts.get(name) ?? 0) + 1)
    }
    return [...counts]
      .map(([name, elders]) => ({ name, elders }))
      .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))
  }

  async putDevice(id: string, body: DeviceBody): Promise<{ created: boolean; device: Device }> {
    if (!this.#elders.has(body.elderId)) throw new RegistryError('UNKNOWN_ELDER', `no elder ${body.elderId}`)
    const before = await this.#repo.credential(id)
    if (before?.kind === 'carer' || before?.kind === 'service') {
      throw new RegistryError('ID_TAKEN', `${id} is already a carer's or a service's id`)
    }
    const { secret, ...rest } = body
    const secretHash = await newOrKept(secret, before?.secretHash, 'secret: required for a new device')
    const { created, record } = await this.#repo.saveDevice(id, rest, secretHash, this.#clock.now())
    this.#deviceStored(record)
    return { created, device: record }
  }

  /** The device as the registry holds it (kind, elder, interval), from memory. */
  getDevice(id: string): Device | undefined {
    return this.#devices.get(id)
  }

  /** The device with its live state as last stored (online, battery, last seen, last test press). */
  findDevice(id: string): Promise<Device | undefined> {
    return this.#repo.findDevice(id)
  }

  listDevices(q: DeviceQuery): Promise<Page<Device>> {
    return this.#repo.listDevices(q)
  }

  /**
   * Creates or replaces a carer. The same secret keeps its stored hash, so `secretChanged` says
   * whether the phone's sessions must end (docs/security.md); a new name or mode does not.
   */
  async putCarer(
    id: string,
    body: CarerBody,
  ): Promise<{ created: boolean; carer: Carer; secretChanged: boolean }> {
    const before = await this.#repo.credential(id)
    if (before?.kind === 'device') throw new RegistryError('ID_TAKEN', `${id} is already a device's id`)
    if (before?.kind === 'service') throw new RegistryError('ID_TAKEN', `${id} is already a service's id`)
    if (body.stationId !== undefined && !(await this.#repo.findStation(body.stationId))) {
      throw new RegistryError('UNKNOWN_STATION', `stationId: no station ${body.stationId}`)
    }
    const { secret, ...doc } = body
    const same =
      before !== undefined && (secret === undefined || (await verifySecret(secret, before.secretHash)))
    const secretHash = same
      ? before.secretHash
      : await newOrKept(secret, undefined, 'secret: required for a new carer')
    const { created, record } = await this.#repo.saveCarer(id, doc, secretHash, this.#clock.now())
    this.#carerStored(record)
    return { created, carer: record, secretChanged: before !== undefined && !same }
  }

  /**
   * The carer's profile, from memory. Duty and position are as the registry last read or wrote
   * them: the carer book holds them live.
   */
  getCarer(id: string): Carer | undefined {
    return this.#carers.get(id)
  }

  allCarers(): Carer[] {
    return [...this.#carers.values()]
  }

  listCarers(q: ListQuery): Promise<Page<Carer>> {
    return this.#repo.listCarers({ limit: q.limit, cursor: q.cursor })
  }

  /**
   * A service principal (an integration such as the embedded flows): it may
   * read the integration events over MQTT and nothing else.
   */
  async putService(id: string, body: ServiceBody): Promise<{ created: boolean; service: Service }> {
    const before = await this.#repo.credential(id)
    if (before?.kind === 'device' || before?.kind === 'carer') {
      throw new RegistryError('ID_TAKEN', `${id} is already a device's or a carer's id`)
    }
    const { secret, ...rest } = body
    const secretHash = await newOrKept(secret, before?.secretHash, 'secret: required for a new service')
    const { created, record } = await this.#repo.saveService(id, rest, secretHash, this.#clock.now())
    return { created, service: record }
  }

  /** A service station (服务站): create or replace; carers name it by `stationId`. */
  async putStation(id: string, body: StationBody): Promise<{ created: boolean; station: Station }> {
    const { created, record } = await this.#repo.saveStation(id, body, this.#clock.now())
    return { created, station: record }
  }

  getStation(id: string): Promise<Station | undefined> {
    return this.#repo.findStation(id)
  }

  listStations(q: ListQuery): Promise<Page<Station>> {
    return this.#repo.listStations(q)
  }

  listServices(q: ListQuery): Promise<Page<Service>> {
    return this.#repo.listServices({ limit: q.limit, cursor: q.cursor })
  }

  /** MQTT credentials: username is a device, carer or service id, password its secret. */
  async verifyPrincipal(username: string, password: string): Promise<Principal | null> {
    const credential = await this.#repo.credential(username)
    // security: an unknown id costs the same scrypt as a known one, or the answer's timing tells who exists
    if (!credential) return dummyVerify(password, machineCost).then(() => null)
    const stored = credential.secretHash
    const key = sha256(`${username}\u0000${password}`)
    // A changed secret changes the stored hash, so a cached verification of the old one no longer matches.
    if (this.#verified.get(key) !== stored) {
      if (!(await verifySecret(password, stored))) return null
      this.#verified.set(key, stored)
    }
    return { kind: credential.kind, id: username }
  }

  /**
   * Creates or replaces a web user. `credentialsChanged` says whether what a session stands for
   * changed — the password, the role, the grid or the carer — so the caller can end the user's
   * sessions (docs/security.md); a new name alone does not. A disabled user stays disabled.
   */
  async putUser(
    username: string,
    body: UserBody,
  ): Promise<{ created: boolean; user: User; credentialsChanged: boolean }> {
    if (body.carerId !== undefined && !this.#carers.has(body.carerId)) {
      throw new RegistryError('UNKNOWN_CARER', `no carer ${body.carerId}`)
    }
    const before = await this.#repo.findUser(username)
    const { password, ...rest } = body
    if (password === undefined && !before) {
      throw new RegistryError('SECRET_REQUIRED', 'password: required for a new user')
    }
    const passHash =
      password === undefined ? (before?.passHash as string) : await hashSecret(password, passwordCost)
    const credentialsChanged =
      before !== undefined &&
      (before.user.role !== body.role ||
        !sameGrid(before.user.grid, body.grid) ||
        before.user.carerId !== body.carerId ||
        (password !== undefined && !(await verifySecret(password, before.passHash))))
    const { created, record } = await this.#repo.saveUser(username, rest, passHash, this.#clock.now())
    return { created, user: record, credentialsChanged }
  }

  /** Disables or enables a web user; undefined when there is no such user. */
  setUserDisabled(username: string, disabled: boolean): Promise<User | undefined> {
    return this.#repo.setUserDisabled(username, disabled, this.#clock.now())
  }

  /** Deletes a web user; the audit log keeps naming them (its rows hold the name as text). */
  deleteUser(username: string): Promise<boolean> {
    return this.#repo.deleteUser(username)
  }

  /** Enabled admin users, besides `except` (the one about to change). */
  enabledAdmins(except?: string): Promise<number> {
    return this.#repo.enabledAdmins(except)
  }

  async findUser(username: string): Promise<User | undefined> {
    return (await this.#repo.findUser(username))?.user
  }

  listUsers(q: ListQuery): Promise<Page<User>> {
    return this.#repo.listUsers({ limit: q.limit, cursor: q.cursor })
  }

  async verifyUser(username: string, password: string): Promise<User | undefined> {
    const found = await this.#repo.findUser(username)
    // an unknown name costs the same derivation as a wrong password (docs/security.md: account probing)
    if (!found) return dummyVerify(password, passwordCost).then(() => undefined)
    return (await verifySecret(password, found.passHash)) ? found.user : undefined
  }

  /**
   * Bulk import: rows already validated and secrets already hashed (scrypt is the slow part, done
   * concurrently outside). One transaction for the batch; a refused row never undoes the others.
   */
  async importMany(rows: readonly BulkRow[]): Promise<BulkOutcome[]> {
    const results = await this.#repo.importMany(rows, this.#clock.now())
    // memory and listeners after the commit, so no one sees a row that was rolled back
    return results.map((result, i): BulkOutcome => {
      const row = rows[i] as BulkRow
      if ('refused' in result) return { error: refusal(row, result.refused) }
      const { created, record } = result.stored
      if (row.type === 'elder') this.#elderStored(record as Elder)
      else if (row.type === 'device') this.#deviceStored(record as Device)
      else this.#carerStored(record as Carer)
      return { created }
    })
  }

  /** Everything held about the elder (PIPL access); undefined when there is no such elder. */
  exportElder(elderId: string): Promise<ElderExport | undefined> {
    return this.#privacy.exportElder(elderId)
  }

  /**
   * PIPL erasure of the elder, their devices and history (PrivacyRepository.eraseElder); closed
   * alarms stay under a pseudonym. Listeners hear each device and then the elder deleted.
   */
  async eraseElder(elderId: string): Promise<ErasureReport | undefined> {
    const pseudonym = `erased-${randomToken().slice(0, 10)}`
    const report = await this.#privacy.eraseElder(elderId, pseudonym, this.#clock.now())
    if (!report) return undefined
    for (const id of report.devices) {
      this.#devices.delete(id)
      this.#changes.emit({ kind: 'device', id, device: undefined })
    }
    this.#elders.delete(elderId)
    this.#changes.emit({ kind: 'elder', id: elderId, elder: undefined, erasure: report })
    return report
  }

  /**
   * Cluster mode: a change another node stored. This node's records follow, and its listeners hear
   * it marked `remote` (the planning, the erasure's follow-up work happened on that node).
   */
  mirror(change: RegistryChange): void {
    switch (change.kind) {
      case 'elder':
        if (change.elder) this.#elders.set(change.id, change.elder)
        else this.#elders.delete(change.id)
        break
      case 'device':
        if (change.device) this.#devices.set(change.id, profileOf(change.device))
        else this.#devices.delete(change.id)
        break
      case 'carer':
        if (change.carer) this.#carers.set(change.id, change.carer)
        else this.#carers.delete(change.id)
        break
    }
    this.#changes.emit({ ...change, remote: true })
  }

  #elderStored(elder: Elder): void {
    this.#elders.set(elder.id, elder)
    this.#changes.emit({ kind: 'elder', id: elder.id, elder })
  }

  #deviceStored(device: Device): void {
    const profile = profileOf(device)
    this.#devices.set(device.id, profile)
    this.#changes.emit({ kind: 'device', id: device.id, device: profile })
  }

  #carerStored(carer: Carer): void {
    this.#carers.set(carer.id, carer)
    this.#changes.emit({ kind: 'carer', id: carer.id, carer })
  }
}

/**
 * The hash a PUT stores: of the new secret, or the one already stored when the body leaves it out
 * (docs/decisions.md, "A replaced record keeps its secret"); a new record needs one.
 */
async function newOrKept(secret: string | undefined, stored: string | undefined, missing: string) {
  if (secret !== undefined) return hashSecret(secret, machineCost)
  if (stored !== undefined) return stored
  throw new RegistryError('SECRET_REQUIRED', missing)
}

/** A device without its live state, which would go stale in memory. */
function profileOf(device: Device): Device {
  const { id, kind, elderId, intervalS, createdAt, updatedAt } = device
  return { id, kind, elderId, intervalS, createdAt, updatedAt }
}

function sameGrid(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}

function refusal(row: BulkRow, code: 'UNKNOWN_ELDER' | 'ID_TAKEN'): RegistryError {
  if (row.type === 'device' && code === 'UNKNOWN_ELDER') {
    return new RegistryError(code, `no elder ${row.body.elderId}`)
  }
  return new RegistryError(
    'ID_TAKEN',
    row.type === 'device'
      ? `${row.id} is already a carer's or a service's id`
      : `${row.id} is already a device's or a service's id`,
  )
}
