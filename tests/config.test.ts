import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ConfigError, envName, loadConfig } from '../gateway/config.ts'

const dir = mkdtempSync(join(tmpdir(), 'care-config-'))
const noFile = join(dir, 'absent.json')
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('configuration', () => {
  it('has the contract’s defaults', () => {
    const config = loadConfig({ env: {}, file: noFile })
    expect(config).toMatchObject({
      httpPort: 8080,
      mqttPort: 1883,
      mqttsPort: 8883,
      host: '127.0.0.1',
      dataDir: './data',
      offerTimeoutS: 60,
      cancelGraceS: 30,
      locale: 'zh-CN',
      flows: 'on',
      maxPayloadBytes: 4096,
    })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ env: { CARE_HTTP_PORT: 'eighty' }, file: noFile })).toThrow(ConfigError)
    expect(() => loadConfig({ env: { CARE_HTTP_PORT: '70000' }, file: noFile })).toThrow(/CARE_HTTP_PORT/)
    expect(() => loadConfig({ env: { CARE_LOCALE: 'fr' }, file: noFile })).toThrow(/CARE_LOCALE/)
    expect(() => loadConfig({ env: { CARE_TLS_CERT: '/x.pem' }, file: noFile })).toThrow(/CARE_TLS_KEY/)
  })

  it('reads care.config.json in camelCase, and the environment wins', () => {
    const file = join(dir, 'care.config.json')
    writeFileSync(file, JSON.stringify({ httpPort: 9000, locale: 'en', offerTimeoutS: 45 }))
    const config = loadConfig({ env: { CARE_HTTP_PORT: '9100' }, file })
    expect(config).toMatchObject({ httpPort: 9100, locale: 'en', offerTimeoutS: 45 })
  })

  it('refuses an unknown key in the file', () => {
    const file = join(dir, 'typo.json')
    writeFileSync(file, JSON.stringify({ httpPrt: 9000 }))
    expect(() => loadConfig({ env: {}, file })).toThrow(/httpPrt/)
  })

  it('derives variable names from keys', () => {
    expect(envName('offerTimeoutS')).toBe('CARE_OFFER_TIMEOUT_S')
    expect(envName('influxUrl')).toBe('CARE_INFLUX_URL')
  })
})
