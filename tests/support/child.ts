import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'

const MAIN = join(import.meta.dirname, '..', '..', 'gateway', 'main.ts')

export interface ChildGateway {
  process: ChildProcess
  httpUrl: string
  mqttUrl: string
  /** The watch listener, `tcp://host:port`, when CARE_WATCH_PORT was given. */
  watchUrl: string | undefined
  output(): string
  /** Stop it the hard way, as a power cut or an OOM kill would. */
  kill(): Promise<void>
  stop(): Promise<void>
}

/** The gateway as its own process (`npm start`'s entry point), on ephemeral loopback ports. */
export async function spawnGateway(env: Record<string, string>, timeoutMs = 20_000): Promise<ChildGateway> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, CARE_HTTP_PORT: '0', CARE_MQTT_PORT: '0', CARE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString('utf8')
  })
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString('utf8')
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const ports = await new Promise<{ http: string; mqtt: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${out}`)), timeoutMs)
    const check = () => {
      const http = /HTTP API\s+(http:\/\/[^\s]+)\/api\/v1/.exec(out)?.[1]
      const mqtt = /MQTT\s+(mqtt:\/\/[^\s]+)/.exec(out)?.[1]
      if (http && mqtt) {
        clearTimeout(timer)
        child.stdout?.off('data', check)
        resolve({ http, mqtt })
      }
    }
    child.stdout?.on('data', check)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`gateway exited with ${code}:\n${out}`))
    })
  })
  return {
    process: child,
    httpUrl: ports.http,
    mqttUrl: ports.mqtt,
    watchUrl: /Watches\s+(tcp:\/\/[^\s]+)/.exec(out)?.[1],
    output: () => out,
    async kill() {
      child.kill('SIGKILL')
      await exited
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}
