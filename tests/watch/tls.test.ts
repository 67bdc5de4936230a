import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../gateway/config.ts'
import { TestWatch } from '../support/watch.ts'
import { startWorld, type World } from '../support/world.ts'
import { frame, WATCH_ID } from './frames.ts'

let dir = ''
const pem = { cert: '', key: '' }
let world: World | undefined

beforeAll(() => {
  // a short-lived self-signed certificate for the loopback address, made fresh for this run
  dir = mkdtempSync(join(tmpdir(), 'care-watch-tls-'))
  pem.cert = join(dir, 'gateway.crt')
  pem.key = join(dir, 'gateway.key')
  execFileSync(
    'openssl',
    [
      ...[
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '2',
      ],
      ...['-subj', '/CN=care-gateway-test', '-addext', 'subjectAltName=IP:127.0.0.1'],
      ...['-keyout', pem.key, '-out', pem.cert],
    ],
    { stdio: 'pipe' },
  )
})
afterAll(async () => {
  await world?.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe('the watch listener over TLS', () => {
  it('speaks TLS with the gateway’s certificate when CARE_WATCH_TLS is on', async () => {
    world = await startWorld({
      env: { CARE_WATCH_PORT: '0', CARE_WATCH_TLS: 'on', CARE_TLS_CERT: pem.cert, CARE_TLS_KEY: pem.key },
    })
    await world.elder('E01')
    await world.api('PUT', `/api/v1/devices/${WATCH_ID}`, {
      kind: 'watch',
      elderId: 'E01',
      secret: 'unused-secret',
    })
    const watch = await TestWatch.connect(world.app.surface.ports.watch ?? 0, { ca: readFileSync(pem.cert) })
    watch.write(frame('LK'))
    expect((await watch.next((f) => f.type === 'LK')).raw).toBe(`3G*${WATCH_ID}*0002*LK`)
    await watch.end()
  })

  it('is refused at start without a certificate', () => {
    expect(() => loadConfig({ env: { CARE_WATCH_TLS: 'on' }, file: join(dir, 'none.json') })).toThrow(
      ConfigError,
    )
    expect(() => loadConfig({ env: { CARE_WATCH_TLS: 'on' }, file: join(dir, 'none.json') })).toThrow(
      /CARE_WATCH_TLS/,
    )
  })
})
