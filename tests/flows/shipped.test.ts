import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { installShippedFlows, restoreShippedFlows, shippedFlows } from '../../gateway/flows/shipped.ts'

const dirs: string[] = []
const aDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'care-flows-'))
  dirs.push(dir)
  return join(dir, 'node-red')
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

type Node = { id: string; type: string; z?: string; wires?: string[][] }

describe('the shipped flows', () => {
  it('are four tabs, every wire leading to a node that exists', () => {
    const nodes = shippedFlows() as Node[]
    expect(nodes.filter((n) => n.type === 'tab').map((n) => n.id)).toEqual([
      'care.sms',
      'care.hotline',
      'care.report',
      'care.devices',
    ])
    const ids = new Set(nodes.map((n) => n.id))
    expect(ids.size).toBe(nodes.length)
    for (const n of nodes)
      for (const target of (n.wires ?? []).flat()) expect(ids.has(target), target).toBe(true)
  })

  it('are installed on first start only, and restored with a backup of what operators had', () => {
    const userDir = aDir()
    expect(installShippedFlows(userDir)).toBe(true)
    const file = join(userDir, 'flows.json')
    writeFileSync(file, '[{"id":"mine","type":"tab"}]')
    expect(installShippedFlows(userDir)).toBe(false)
    expect(readFileSync(file, 'utf8')).toContain('mine')

    const { backup } = restoreShippedFlows(userDir, new Date(Date.UTC(2026, 0, 5)))
    expect(backup && existsSync(backup)).toBe(true)
    expect(readFileSync(backup ?? '', 'utf8')).toContain('mine')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(shippedFlows())
    expect(readdirSync(userDir).sort()).toEqual(['flows.2026-01-05T00-00-00-000Z.backup.json', 'flows.json'])
  })
})
