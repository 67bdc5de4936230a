import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repo's `flows/` folder: the shipped flows (one JSON file each) and `nodes/` (the custom nodes). */
export const flowsHome = resolve(dirname(fileURLToPath(import.meta.url)), '../../flows')
export const FLOW_FILE = 'flows.json'

/** Every shipped flow file merged into the one array Node-RED keeps in its flow file. */
export function shippedFlows(home = flowsHome): unknown[] {
  const files = readdirSync(home)
    .filter((name) => name.endsWith('.json'))
    .sort()
  return files.flatMap((name) => JSON.parse(readFileSync(join(home, name), 'utf8')) as unknown[])
}

/** Node-RED's user dir under the data dir: its flow file, credentials and context live here. */
export function flowsUserDir(dataDir: string): string {
  return join(dataDir, 'node-red')
}

/** First start: the shipped flows become the runtime's flows; later starts keep what operators changed. */
export function installShippedFlows(userDir: string): boolean {
  const file = join(userDir, FLOW_FILE)
  if (existsSync(file)) return false
  mkdirSync(userDir, { recursive: true })
  writeFileSync(file, `${JSON.stringify(shippedFlows(), null, 2)}\n`)
  return true
}

/** `npm run flows:restore`: the shipped flows again; the operators' version is kept beside as a backup. */
export function restoreShippedFlows(userDir: string, now = new Date()): { backup?: string } {
  const file = join(userDir, FLOW_FILE)
  const result: { backup?: string } = {}
  if (existsSync(file)) {
    const backup = join(userDir, `flows.${now.toISOString().replace(/[:.]/g, '-')}.backup.json`)
    copyFileSync(file, backup)
    result.backup = backup
  }
  mkdirSync(userDir, { recursive: true })
  writeFileSync(file, `${JSON.stringify(shippedFlows(), null, 2)}\n`)
  return result
}
