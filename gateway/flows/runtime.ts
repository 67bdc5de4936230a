import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createRequire } from 'node:module'
import type { FastifyInstance } from 'fastify'
import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { Clock } from '../../kernel/ports/clock.ts'
import type { Access } from '../access/access.ts'
import type { Health } from '../api/context.ts'
import type { Config } from '../config.ts'
import type { Registry } from '../registry/registry.ts'
import { randomToken } from '../registry/secrets.ts'
import { loadFlowsConfig } from './config.ts'
import { flowsGate, type Handler } from './gate.ts'
import type { FlowsSecretRepository } from './ports.ts'
import { type CareGlobals, type NodeRedLog, nodeRedSettings } from './settings.ts'
import { flowsUserDir, installShippedFlows } from './shipped.ts'

/** The part of Node-RED's embedding API we use. */
/** How long "up" waits for the flows to start after the runtime did (a broken flow must not hold it). */
const FLOWS_START_WAIT_MS = 30_000

interface NodeRed {
  init(server: Server, settings: Record<string, unknown>): void
  /** Resolves once the runtime is up: the flows are loaded and started after it (`flows:started`). */
  start(): Promise<void>
  events: { once(name: 'flows:started', listener: () => void): unknown }
  stop(): Promise<void>
  httpAdmin: Handler
  httpNode: Handler
}

export interface FlowsDeps {
  config: Config
  access: Access
  registry: Registry
  /** Keeps the credential secret when the configuration sets none. */
  secrets: FlowsSecretRepository
  clock: Clock
  log: Logger
  metrics: Metrics
  /** Where the `CARE_FLOWS_*` settings come from (gateway/flows/config.ts); default the process's. */
  env?: NodeJS.ProcessEnv
}

/** The MQTT login and API caller the flows use (contract: a service principal, a dispatcher's rights). */
export const FLOWS_SERVICE_ID = 'node-red'
const ERROR_LEVEL = 20

/**
 * The embedded Node-RED. Mounted before the HTTP server listens, started after the broker
 * and dispatch are up, and never awaited by `App.start()`: an SOS does not wait for flows. The flows
 * see alarms only as integration events over MQTT and act only through the REST API.
 */
export class Flows {
  readonly #deps: FlowsDeps
  #status: Health['flows']['status']
  #errors = 0
  #red: NodeRed | undefined
  #admin: Handler | undefined
  #node: Handler | undefined
  #startedMs: number | undefined
  /** Node-RED's editor comms listen for upgrades here; only admitted ones are passed on. */
  readonly #comms: Server = createServer()

  constructor(deps: FlowsDeps) {
    this.#deps = deps
    this.#status = deps.config.flows === 'on' ? 'starting' : 'off'
  }

  get enabled(): boolean {
    return this.#deps.config.flows === 'on'
  }

  /** Milliseconds from `start()` to the flows running, once they are. */
  get startedMs(): number | undefined {
    return this.#startedMs
  }

  health(): Health['flows'] {
    return this.enabled ? { status: this.#status, errors: this.#errors } : { status: 'off' }
  }

  /** `/flows` (editor and admin API, admins only) and `/hooks` (the flows' own HTTP-in nodes). */
  async mount(http: FastifyInstance): Promise<void> {
    if (!this.enabled) return
    const { default: middie } = await import('@fastify/middie')
    await http.register(middie)
    http.use(
      '/flows',
      flowsGate(
        this.#deps.access,
        () => this.#admin,
        (req) => this.#upgrade(req),
      ),
    )
    http.use('/hooks', (req, res, next) => (this.#node ? this.#node(req, res, next) : next()))
  }

  /** Resolves when the flows run or failed to start (then health says `down`); never rejects. */
  async start(endpoints: { apiUrl: string; mqttUrl: string }): Promise<void> {
    if (!this.enabled) return
    const t0 = performance.now()
    const { config, log } = this.#deps
    try {
      const settings = loadFlowsConfig(this.#deps.env)
      const userDir = flowsUserDir(config.dataDir)
      if (installShippedFlows(userDir)) log.info({ userDir }, 'shipped flows installed')
      const secret = randomToken()
      await this.#deps.registry.putService(FLOWS_SERVICE_ID, { name: 'Embedded Node-RED', secret })
      const token = randomToken()
      this.#deps.access.admitService(FLOWS_SERVICE_ID, token)
      const care: CareGlobals = {
        api: endpoints.apiUrl,
        token,
        mqttUrl: endpoints.mqttUrl,
        serviceId: FLOWS_SERVICE_ID,
        secret,
        now: () => this.#deps.clock.now(),
        sms: {
          method: settings.flowsSmsMethod,
          template: settings.flowsSmsTemplate,
          retries: settings.flowsSmsRetries,
          backoffMs: settings.flowsSmsBackoffMs,
          ...(settings.flowsSmsUrl ? { url: settings.flowsSmsUrl } : {}),
        },
        ...(settings.flowsHotlineUrl ? { hotlineUrl: settings.flowsHotlineUrl } : {}),
        ...(settings.flowsReportUrl ? { reportUrl: settings.flowsReportUrl } : {}),
        reportAt: settings.flowsReportAt,
        reportDir: `${config.dataDir}/reports`,
      }
      const redSettings = nodeRedSettings({
        userDir,
        credentialSecret: await this.#credentialSecret(settings.flowsCredentialSecret),
        care,
        onLog: (entry) => this.#onLog(entry),
      })
      const red = createRequire(import.meta.url)('node-red') as NodeRed
      // Node-RED's editor comms get a server of their own that never listens: an upgrade on our
      // port reaches them only through the admin gate (`#upgrade`).
      red.init(this.#comms, redSettings)
      this.#red = red
      // `start` resolves before the flows are: "up" waits for them, so an inject called then finds its node
      const flowsStarted = new Promise<void>((resolve) => red.events.once('flows:started', () => resolve()))
      await red.start()
      await Promise.race([
        flowsStarted,
        new Promise<void>((resolve) => setTimeout(resolve, FLOWS_START_WAIT_MS).unref()),
      ])
      this.#admin = red.httpAdmin
      this.#node = red.httpNode
      this.#status = 'up'
      this.#startedMs = Math.round(performance.now() - t0)
      log.info({ ms: this.#startedMs }, 'flows started')
    } catch (error) {
      this.#status = 'down'
      this.#countError()
      log.error({ err: error }, 'flows did not start; the gateway runs without them')
    }
  }

  async stop(): Promise<void> {
    const red = this.#red
    this.#red = undefined
    this.#admin = undefined
    this.#node = undefined
    if (!red) return
    await red.stop().catch((error: unknown) => this.#deps.log.warn({ err: error }, 'flows did not stop'))
    this.#status = this.enabled ? 'down' : 'off'
  }

  #upgrade(req: IncomingMessage & { originalUrl?: string }): boolean {
    if (!this.#red) return false
    // middie took `/flows` off the url; Node-RED matches the whole path
    if (req.originalUrl) req.url = req.originalUrl
    this.#comms.emit('upgrade', req, req.socket, Buffer.alloc(0))
    return true
  }

  /** config, else one made at first start and kept in the store (losing it loses the flows' credentials). */
  async #credentialSecret(configured: string | undefined): Promise<string> {
    if (configured) return configured
    return this.#deps.secrets.keepCredentialSecret(randomBytes(32).toString('hex'))
  }

  #onLog(entry: NodeRedLog): void {
    if (entry.level > ERROR_LEVEL) {
      this.#deps.log.info({ node: entry.id, type: entry.type, text: text(entry.msg) }, 'flow warning')
      return
    }
    this.#countError()
    this.#deps.log.error({ node: entry.id, type: entry.type, text: text(entry.msg) }, 'flow error')
  }

  #countError(): void {
    this.#errors += 1
    this.#deps.metrics.inc('care_flow_errors_total')
  }
}

function text(message: unknown): string {
  if (message instanceof Error) return message.message
  return typeof message === 'string' ? message : JSON.stringify(message)
}
