import { join } from 'node:path'
import { flowsHome } from './shipped.ts'

/** What the shipped flows and the care nodes read from global context `care` (docs/flows.md). */
export interface CareGlobals {
  api: string
  token: string
  mqttUrl: string
  serviceId: string
  secret: string
  /** The gateway's clock, so reports agree with the store (and tests can move time). */
  now: () => number
  sms: { url?: string; method: string; template: string; retries: number; backoffMs: number }
  hotlineUrl?: string
  reportUrl?: string
  reportAt: string
  reportDir: string
}

export interface NodeRedLog {
  level: number
  msg?: unknown
  type?: string
  id?: string
  name?: string
}

/** Node-RED's settings for the embedded runtime: no console, no palette installs, no telemetry. */
export function nodeRedSettings(options: {
  userDir: string
  credentialSecret: string
  care: CareGlobals
  onLog: (entry: NodeRedLog) => void
}): Record<string, unknown> {
  return {
    userDir: options.userDir,
    flowFile: 'flows.json',
    flowFilePretty: true,
    credentialSecret: options.credentialSecret,
    httpAdminRoot: '/flows',
    httpNodeRoot: '/hooks',
    nodesDir: [join(flowsHome, 'nodes')],
    functionGlobalContext: { care: options.care },
    functionExternalModules: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false, allowUpload: false } },
    editorTheme: {
      page: { title: 'Care flows' },
      header: { title: 'Care gateway · flows' },
      projects: { enabled: false },
      tours: false,
    },
    diagnostics: { enabled: false, ui: false },
    telemetry: { enabled: false },
    runtimeState: { enabled: false },
    logging: {
      care: {
        level: 'warn',
        metrics: false,
        audit: false,
        handler: () => options.onLog,
      },
    },
  }
}
