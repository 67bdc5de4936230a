import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HAPROXY } from '../../tests/support/servers.ts'
import { freePort } from '../../tests/support/tsdb.ts'
import { spawnLimited } from '../suite/servers.ts'

export interface BenchHaproxy {
  port: number
  pid: number
  stop(): Promise<void>
}

/**
 * HAProxy in TCP mode in front of the nodes' MQTT ports, as the tests configure it (least
 * connections, a check every 200 ms, out after two failed). `redispatch`: a connection whose node
 * refuses it is tried on another node at once (`option redispatch 1`); without it HAProxy tries
 * the same dead node three times, a second apart, before giving up on the client — what a device
 * reconnecting in the half second before the checks notice the death runs into.
 */
export async function startBenchHaproxy(
  backends: readonly number[],
  redispatch: boolean,
): Promise<BenchHaproxy> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'care-bench-haproxy-'))
  const config = join(dir, 'haproxy.cfg')
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 9000',
      'defaults',
      '  mode tcp',
      '  timeout connect 2s',
      '  timeout client 10m',
      '  timeout server 10m',
      ...(redispatch ? ['  option redispatch 1', '  retries 2'] : []),
      'frontend mqtt',
      `  bind 127.0.0.1:${port}`,
      '  default_backend nodes',
      'backend nodes',
      '  balance leastconn',
      ...backends.map((p, i) => `  server n${i} 127.0.0.1:${p} check inter 200 fall 2 rise 1`),
      '',
    ].join('\n'),
  )
  const child: ChildProcess = spawnLimited(HAPROXY, ['-db', '-f', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let errors = ''
  child.stderr?.on('data', (d: Buffer) => {
    errors = (errors + d.toString()).slice(-2_000)
  })
  const until = Date.now() + 10_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${errors}`)
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) break
    if (Date.now() > until) throw new Error(`haproxy not listening: ${errors}`)
    await new Promise((r) => setTimeout(r, 30))
  }
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
