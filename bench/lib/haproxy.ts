import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HAPROXY, haproxyConfig, waitPort } from '../../tests/support/servers.ts'
import { freePort } from '../../tests/support/tsdb.ts'
import { spawnLimited } from '../suite/servers.ts'

export interface BenchHaproxy {
  port: number
  pid: number
  stop(): Promise<void>
}

/**
 * HAProxy in TCP mode in front of the nodes' MQTT ports, configured as the tests configure it
 * (`haproxyConfig`), with or without `redispatch`, and killed with the benchmark if it ends early.
 */
export async function startBenchHaproxy(
  backends: readonly number[],
  redispatch: boolean,
): Promise<BenchHaproxy> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'care-bench-haproxy-'))
  const config = join(dir, 'haproxy.cfg')
  writeFileSync(config, haproxyConfig({ port, mqtt: backends, redispatch }))
  const child: ChildProcess = spawnLimited(HAPROXY, ['-db', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let errors = ''
  child.stderr?.on('data', (d: Buffer) => {
    errors = (errors + d.toString()).slice(-2_000)
  })
  await waitPort(port, child, 'haproxy', () => errors)
  return {
    port,
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
