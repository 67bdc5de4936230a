import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type ChildGateway, spawnGateway } from '../support/child.ts'
import { ADMIN_TOKEN } from '../support/world.ts'

const dataDir = mkdtempSync(join(tmpdir(), 'care-shutdown-'))
let gateway: ChildGateway | undefined

afterAll(async () => {
  if (gateway && gateway.process.exitCode === null) await gateway.kill()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('stopping the gateway', () => {
  it('ends the process within the stop timeout even when a client never finishes its request', async () => {
    gateway = await spawnGateway({
      CARE_DATA_DIR: dataDir,
      CARE_ADMIN_TOKEN: ADMIN_TOKEN,
      CARE_FLOWS: 'off',
      CARE_STOP_TIMEOUT_MS: '300',
    })
    // An upload that announces 5 MB and sends a few bytes: the HTTP server's close waits for it.
    const url = new URL('/api/v1/import?type=elders', gateway.httpUrl)
    const upload = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'text/csv',
        'content-length': String(5_000_000),
        expect: '100-continue',
      },
    })
    upload.on('error', () => undefined) // the socket dies with the process
    // "100 Continue" proves the server holds the request before the stop begins
    await new Promise<void>((resolve) => upload.once('continue', () => resolve()))
    upload.write('id,name\n')

    const exited = new Promise<number | null>((resolve) =>
      gateway?.process.once('exit', (code) => resolve(code)),
    )
    gateway.process.kill('SIGTERM')
    const code = await exited
    expect(code).toBe(1)
    expect(gateway.output()).toContain('stop timed out')
    upload.destroy()
  })
})
