import type { Page } from '../../kernel/contract/page.ts'
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

export type { Page }

export interface ListQuery {
  limit: number
  cursor?: string | undefined
  /** Only records whose grid path starts with this prefix (elders, and devices by their elder). */
  grid?: readonly string[] | undefined
}

/** Elders found by a word of their id, name, phone or address, and by risk grade (the admin console's list). */
export interface ElderQuery extends ListQuery {
  /** Case-insensitive, anywhere in the id, name, phone or address. */
  text?: string | undefined
  risk?: readonly string[] | undefined
}

/** Devices of these elders only. */
export interface DeviceQuery extends ListQuery {
  elderIds?: readonly string[] | undefined
}

/** Who an MQTT user name is, and the hash its secret must match. */
export interface Credential {
  kind: 'device' | 'carer' | 'service'
  secretHash: string
}

/** A web user and the hash their password must match. */
export interface UserCredential {
  user: User
  passHash: string
}

/** Everything the registry keeps in memory, read once at start. */
export interface RegistrySnapshot {
  elders: Elder[]
  devices: Device[]
  carers: Carer[]
}

/** A write's answer: the record as now stored, and whether it is new. */
export interface Saved<T> {
  created: boolean
  record: T
}

/** One validated row of a bulk import, secret already hashed. */
export type BulkRow =
  | { type: 'elder'; id: string; body: ElderBody }
  | { type: 'device'; id: string; body: Omit<DeviceBody, 'secret'>; secretHash: string }
  | { type: 'carer'; id: string; body: Omit<CarerBody, 'secret'>; secretHash: string }

/** What became of a bulk row: stored (with the record), or refused for one of the registry's own rules. */
export type BulkResult =
  | { stored: Saved<Elder> | Saved<Device> | Saved<Carer> }
  | { refused: 'UNKNOWN_ELDER' | 'ID_TAKEN' }

/**
 * Elders, devices, carers' profiles, web users and service principals, as
 * the registry keeps them. Secrets and passwords come in hashed and go out
 * only as `Credential`s. Lists are newest first, paged by an opaque cursor.
 */
export interface RegistryRepository {
  load(): Promise<RegistrySnapshot>

  saveElder(id: string, body: ElderBody, at: number): Promise<Saved<Elder>>
  listElders(q: ElderQuery): Promise<Page<Elder>>

  /** A replaced device keeps its live state (online, battery, last seen). */
  saveDevice(
    id: string,
    body: Omit<DeviceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Device>>
  /** The device with its live state as last stored. */
  findDevice(id: string): Promise<Device | undefined>
  listDevices(q: DeviceQuery): Promise<Page<Device>>

  /** A replaced carer keeps their duty and position (the carer book's). */
  saveCarer(
    id: string,
    body: Omit<CarerBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Carer>>
  listCarers(q: ListQuery): Promise<Page<Carer>>

  saveService(
    id: string,
    body: Omit<ServiceBody, 'secret'>,
    secretHash: string,
    at: number,
  ): Promise<Saved<Service>>
  listServices(q: ListQuery): Promise<Page<Service>>

  saveStation(id: string, body: StationBody, at: number): Promise<Saved<Station>>
  findStation(id: string): Promise<Station | undefined>
  /** `grid` narrows to the stations under a grid path. */
  listStations(q: ListQuery): Promise<Page<Station>>

  /** The device, carer or service of that id (ids are one space: at most one of them exists). */
  credential(id: string): Promise<Credential | undefined>

  /**
   * A batch in one transaction. A row is refused, and the others still stored, when it breaks the
   * registry's constraints as the batch stands: a device whose elder does not exist (`UNKNOWN_ELDER`),
   * a device or carer id another kind of principal holds (`ID_TAKEN`, one id space for MQTT).
   */
  importMany(rows: readonly BulkRow[], at: number): Promise<BulkResult[]>

  /** A replaced user keeps being disabled if they were. */
  saveUser(
    username: string,
    body: Omit<UserBody, 'password'>,
    passHash: string,
    at: number,
  ): Promise<Saved<User>>
  findUser(username: string): Promise<UserCredential | undefined>
  listUsers(q: ListQuery): Promise<Page<User>>
  /** Undefined when there is no such user. */
  setUserDisabled(username: string, disabled: boolean, at: number): Promise<User | undefined>
  deleteUser(username: string): Promise<boolean>
  /** Enabled admin users, besides `except`. */
  enabledAdmins(except?: string): Promise<number>
}

/** What an elder's erasure did: their devices, the readings deleted, the alarms kept under a pseudonym. */
export interface ErasureReport {
  devices: string[]
  positions: number
  vitals: number
  alarmsKept: number
  /** History points of theirs purged: waiting for the TSDB, and set aside as refused (0 without a TSDB). */
  history: { waiting: number; rejected: number }
  /** Their visits and reports deleted, and the photos no other visit refers to (removed from the photo store next). */
  visits: number
  photos: string[]
}

/**
 * Everything held about one elder (PIPL access): the stored records as they are, field for field
 * (docs/decisions.md: the export is the rows, so a new column shows up in it), secrets left out.
 */
export interface ElderExport {
  elder: Record<string, unknown>
  devices: Record<string, unknown>[]
  alarms: (Record<string, unknown> & { timeline: Record<string, unknown>[] })[]
  positions: Record<string, unknown>[]
  vitals: Record<string, unknown>[]
  /** Cells and Wi-Fi a watch heard without a fix. */
  scans: Record<string, unknown>[]
  /** Visits and reports about them (the photos themselves at `GET /visits/{id}/photos/{photoId}`), and their plan. */
  visits: Record<string, unknown>[]
  visitPlan: Record<string, unknown> | null
}

/** PIPL: an elder's data across the whole store, for export and for erasure. */
export interface PrivacyRepository {
  exportElder(elderId: string): Promise<ElderExport | undefined>
  /**
   * One transaction, all of it or none: the elder, their devices and those devices' messages,
   * positions and vitals, the fence state, and with a TSDB the history points of theirs still in
   * the outbox and the job that deletes those already written (history's ErasureJobRepository works
   * it off); closed alarms stay, their elder and device replaced by `pseudonym` and their notes
   * removed. Undefined when there is no such elder.
   */
  eraseElder(elderId: string, pseudonym: string, at: number): Promise<ErasureReport | undefined>
}
