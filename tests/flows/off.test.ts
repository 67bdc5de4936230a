import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWorld, type World } from '../support/world.ts'

let world: World
beforeAll(async () => {
  world = await startWorld({ env: { CARE_FLOWS: 'off' } })
})
afterAll(async () => {
  await world.stop()
})

describe('CARE_FLOWS=off', () => {
  it('starts without Node-RED, and health says flows off', async () => {
    const health = await world.api<{ flows: unknown }>('GET', '/api/v1/health')
    expect(health.body.flows).toEqual({ status: 'off' })
    const editor = await world.app.surface.inject({ method: 'GET', url: '/flows/' })
    expect(editor.statusCode).toBe(404)
  })
})
