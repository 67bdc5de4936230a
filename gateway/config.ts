import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { z } from 'zod'

/**
 * Configuration: one schema, read from the environment (`CARE_*`) over an
 * optional `care.config.json` holding the same keys in camelCase. Validated
 * once at start and frozen; a bad value stops the start naming the variable.
 */

const port = z.coerce.number().int().min(0).max(65535)
const seconds = z.coerce
  .number()
  .positive()
  .max(86_400 * 7)
const onOff = z.enum(['on', 'off'])
const optionalText = z.string().min(1).optional()

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}

const shape = {
  httpPort: port.default(8080),
  mqttPort: port.default(1883),
  mqttsPort: port.default(8883),
  tlsCert: optionalText,
  tlsKey: optionalText,
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./data'),
  adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
  /** A bearer token accepted on `GET /api/v1/metrics` only, for Prometheus (docs/operations.md). */
  metricsToken: z.string().min(16, 'must be at least 16 characters').optional(),
  influxUrl: z.url().optional(),
  influxToken: optionalText,
  influxOrg: optionalText,
  influxBucket: optionalText,
  offerTimeoutS: seconds.default(60),
  /** Lower priorities are offered one carer at a time, each for this long. */
  offerTimeoutLowS: seconds.default(120),
  cancelGraceS: seconds.default(30),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
  flows: onOff.default('on'),
  /** Plain (non-TLS) MQTT listener; `off` leaves only TLS and WebSocket. */
  mqttPlain: onOff.default('on'),
  maxPayloadBytes: z.coerce.number().int().min(256).max(1_048_576).default(4096),
  maxConnections: z.coerce.number().int().min(1).default(50_000),
  drainTimeoutMs: z.coerce.number().int().min(100).default(10_000),
  /** A socket that has not sent its MQTT CONNECT within this is closed. */
  connectTimeoutMs: z.coerce.number().int().min(10).default(5_000),
  /** Wrong MQTT secrets within a minute before logins are refused unchecked for a while: per id, per address. */
  mqttLoginFailures: z.coerce.number().int().min(1).default(5),
  mqttLoginAddressFailures: z.coerce.number().int().min(1).default(30),
  /** The first such lock; each further one doubles, up to the maximum. */
  mqttLoginLockS: seconds.default(10),
  mqttLoginLockMaxS: seconds.default(300),
  /** A stop that has not finished by then ends the process anyway (a hung socket must not keep it alive). */
  stopTimeoutMs: z.coerce.number().int().min(100).default(10_000),
  /** Per-principal MQTT limits: telemetry messages a second and burst; alarm messages a second and burst. */
  mqttRatePerS: z.coerce.number().positive().default(50),
  mqttBurst: z.coerce.number().int().min(1).default(200),
  mqttAlarmRatePerS: z.coerce.number().positive().default(5),
  mqttAlarmBurst: z.coerce.number().int().min(1).default(50),
  /** QoS 1 telemetry over the rate waits unacknowledged (backpressure): at most this many at once per connection... */
  mqttMaxHeld: z.coerce.number().int().min(1).default(5_000),
  /** ...and a connection held back for longer than this without a break is closed. */
  mqttHoldMaxS: seconds.default(60),
  /** The TCP listener for "3G"-family watches (docs/devices.md); off unless a port is given. */
  watchPort: port.optional(),
  /** `on`: the watch listener speaks TLS, with CARE_TLS_CERT and CARE_TLS_KEY. */
  watchTls: onOff.default('off'),
  /** A watch connection silent this long is closed (the watch connects again). */
  watchIdleS: seconds.default(900),
  /** Password and carer-phone logins a minute for one username or carer id (and at least 20 from one address). */
  loginsPerMinute: z.coerce.number().int().min(1).max(10_000).default(5),
  /** Origins allowed to call the API from a browser (comma-separated); unset: no CORS at all. */
  corsOrigin: optionalText,
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Days positions and vitals stay in the embedded store. */
  retentionDays: z.coerce.number().int().min(1).max(3650).default(30),
  /** History outbox bound (rows); past it the oldest positions are dropped first, alarm points never. */
  historyOutboxLimit: z.coerce.number().int().min(10).default(2_000_000),
  /** The board's base map (docs/web.md, "Tiles"): a tile server's URL template, or a local MBTiles file. */
  tilesUrl: z
    .string()
    .regex(
      /^https?:\/\/[A-Za-z0-9.{}-]+(:\d+)?\/[^\s;,'"<>]*$/,
      'must be an http(s) URL template, the host of letters, digits, dots, dashes and {s}',
    )
    .refine((u) => ['{z}', '{x}', '{y}'].every((p) => u.includes(p)), 'must contain {z}, {x} and {y}')
    .optional(),
  tilesSubdomains: z
    .string()
    .regex(/^[A-Za-z0-9]{1,16}$/, 'must be 1-16 letters or digits')
    .default('abc'),
  /** What the tiles are drawn in: wgs84 (Tianditu's CGCS2000 too), gcj02 (AMap, Tencent) or bd09. */
  tilesDatum: z.enum(['wgs84', 'gcj02', 'bd09']).default('wgs84'),
  tilesAttribution: z.string().min(1).max(300).optional(),
  tilesFile: optionalText,
  /** The zone elders' days are counted in (visits due on a day, missed at its end); unset: the machine's. */
  timeZone: z
    .string()
    .min(1)
    .max(64)
    .refine((zone) => isTimeZone(zone), 'must be a time zone name such as Asia/Shanghai')
    .optional(),
  /** Minutes from raised by which someone should be at the elder's side, for high, medium, low, safe. */
  responseMin: z
    .string()
    .regex(/^\d{1,3},\d{1,3},\d{1,3},\d{1,3}$/, 'must be four minute counts: high,medium,low,safe')
    .refine((v) => v.split(',').every((n) => Number(n) >= 1), 'each must be at least 1 minute')
    .default('10,15,20,30'),
  /** Days between visits for risk grades high, medium, low, safe (docs/visits.md). */
  visitCadenceDays: z
    .string()
    .regex(/^\d{1,3},\d{1,3},\d{1,3},\d{1,3}$/, 'must be four day counts: high,medium,low,safe')
    .refine((v) => v.split(',').every((n) => Number(n) >= 1 && Number(n) <= 366), 'each must be 1-366 days')
    .default('7,14,30,60'),
  /** Days within which a follow-up visit comes after an alarm or a noted need, for high, medium, low, safe. */
  followUpDays: z
    .string()
    .regex(/^\d{1,3},\d{1,3},\d{1,3},\d{1,3}$/, 'must be four day counts: high,medium,low,safe')
    .refine((v) => v.split(',').every((n) => Number(n) >= 1), 'each must be at least 1 day')
    .default('1,3,7,14'),
  /** After the end of its due day, how long before a visit not signed in is missed. */
  visitGraceS: z.coerce
    .number()
    .int()
    .min(0)
    .max(86_400 * 7)
    .default(7_200),
  /** The largest visit photo taken (bytes). */
  photoMaxBytes: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .max(20 * 1024 * 1024)
    .default(2 * 1024 * 1024),
  /** Visit photos in an S3-compatible bucket instead of the data directory: `http(s)://host[:port]/bucket`. */
  photoS3Url: z.url().optional(),
  photoS3AccessKey: optionalText,
  photoS3SecretKey: optionalText,
  photoS3Region: z.string().min(1).default('us-east-1'),
  /** Days visit photos are kept; the ledger rows stay, noting the photos removed. */
  photoRetentionDays: z.coerce.number().int().min(1).max(3650).default(365),
  /** Cluster mode (docs/cluster.md): the shared PostgreSQL database, `postgres://user:pass@host:port/db`. */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** Cluster mode: the Redis server the nodes' brokers share routing and sessions through, `redis://host:port`. */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// URL')
    .optional(),
  /** Cluster mode: how long a node's lanes stay its own without renewal (renewed five times as often). */
  clusterLeaseS: z.coerce.number().min(1).max(60).default(3),
  /** This node's name in the cluster (logs, leases, the broker's id); default the host name and process id. */
  nodeId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash or underscore, at most 64')
    .optional(),
} as const

export const configSchema = z.object(shape).strict()
export type Config = Readonly<z.infer<typeof configSchema>>
export type ConfigKey = keyof typeof shape

/** `offerTimeoutS` → `CARE_OFFER_TIMEOUT_S` */
export function envName(key: string): string {
  return `CARE_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv
  /** Path of the optional JSON file; default `care.config.json` in the working directory. */
  file?: string
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env
  const file = resolve(sources.file ?? env.CARE_CONFIG ?? 'care.config.json')
  let fromFile: Record<string, unknown> = {}
  if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    } catch (error) {
      throw new ConfigError(`${file}: not valid JSON (${(error as Error).message})`)
    }
  }
  const merged: Record<string, unknown> = { ...fromFile }
  for (const key of Object.keys(shape)) {
    const value = env[envName(key)]
    if (value !== undefined && value !== '') merged[key] = value
  }
  const parsed = configSchema.safeParse(merged)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? '')
      const where = key in shape ? envName(key) : `${key} (unknown key in ${file})`
      return `${where}: ${issue.message}`
    })
    throw new ConfigError(`invalid configuration:\n  ${lines.join('\n  ')}`)
  }
  if (parsed.data.redisUrl && !parsed.data.databaseUrl) {
    throw new ConfigError(
      'CARE_REDIS_URL (cluster mode) needs CARE_DATABASE_URL: the nodes share one PostgreSQL',
    )
  }
  if ((parsed.data.tlsCert === undefined) !== (parsed.data.tlsKey === undefined)) {
    throw new ConfigError('CARE_TLS_CERT and CARE_TLS_KEY must be given together')
  }
  if (parsed.data.watchTls === 'on' && parsed.data.tlsCert === undefined) {
    throw new ConfigError('CARE_WATCH_TLS=on needs CARE_TLS_CERT and CARE_TLS_KEY')
  }
  if (parsed.data.tilesUrl !== undefined && parsed.data.tilesFile !== undefined) {
    throw new ConfigError('CARE_TILES_URL and CARE_TILES_FILE: give one base map, not both')
  }
  const s3 = parsed.data
  if (
    s3.photoS3Url !== undefined &&
    (s3.photoS3AccessKey === undefined || s3.photoS3SecretKey === undefined)
  ) {
    throw new ConfigError('CARE_PHOTO_S3_URL needs CARE_PHOTO_S3_ACCESS_KEY and CARE_PHOTO_S3_SECRET_KEY')
  }
  return Object.freeze(parsed.data)
}
