/**
 * `npm run backup [-- <file>]`: a consistent copy of the live store, taken
 * while the gateway runs (SQLite `VACUUM INTO` reads one snapshot through
 * WAL, so writers are not blocked). Restore: see docs/operations.md.
 */
import { mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { loadConfig } from '../gateway/config.ts'

export function backupStore(source: string, target: string): { bytes: number; ms: number } {
  const t0 = performance.now()
  mkdirSync(dirname(target), { recursive: true })
  const db = new DatabaseSync(source, { readOnly: true })
  try {
    db.exec('PRAGMA busy_timeout = 5000')
    db.prepare('VACUUM INTO ?').run(target)
  } finally {
    db.close()
  }
  const copy = new DatabaseSync(target, { readOnly: true })
  try {
    const check = copy.prepare('PRAGMA integrity_check').get() as { integrity_check: string }
    if (check.integrity_check !== 'ok')
      throw new Error(`backup failed its integrity check: ${check.integrity_check}`)
    const size = copy
      .prepare('SELECT page_count * page_size AS bytes FROM pragma_page_count(), pragma_page_size()')
      .get() as {
      bytes: number
    }
    return { bytes: size.bytes, ms: Math.round(performance.now() - t0) }
  } finally {
    copy.close()
  }
}

function stamp(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`
}

if (import.meta.main) {
  const config = loadConfig()
  const source = resolve(config.dataDir, 'care.db')
  const target = resolve(process.argv[2] ?? join(config.dataDir, 'backups', `care-${stamp(new Date())}.db`))
  const result = backupStore(source, target)
  process.stdout.write(`backup written: ${target} (${result.bytes} bytes in ${result.ms} ms)\n`)
}
