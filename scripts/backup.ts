/**
 * `npm run backup [-- <file>]`: a consistent copy of the live store, taken
 * while the gateway runs (SQLite `VACUUM INTO` reads one snapshot through
 * WAL, so writers are not blocked), and beside it the visit photos that
 * snapshot refers to (`<file>-photos/`; photos are written once, by their
 * hash, so the ones a snapshot names are whole). Restore: see docs/operations.md.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
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

/**
 * The photo files the backup's visits refer to, copied from `photos` into `into` in the same layout
 * (`<first two hex>/<hash>.<ext>`); a file already there is not copied again. Answers how many.
 */
export function backupPhotos(
  store: string,
  photos: string,
  into: string,
): { copied: number; missing: number } {
  const db = new DatabaseSync(store, { readOnly: true })
  let ids: string[]
  try {
    ids = (db.prepare('SELECT DISTINCT photo_id FROM visit_photos').all() as { photo_id: string }[]).map(
      (r) => r.photo_id,
    )
  } finally {
    db.close()
  }
  let copied = 0
  let missing = 0
  for (const id of ids) {
    const ext = ['jpg', 'png', 'webp'].find((e) => existsSync(join(photos, id.slice(0, 2), `${id}.${e}`)))
    if (!ext) {
      missing++ // removed since (erasure, retention): the snapshot's row is older than the file's removal
      continue
    }
    const to = join(into, id.slice(0, 2), `${id}.${ext}`)
    if (existsSync(to)) continue
    mkdirSync(dirname(to), { recursive: true })
    copyFileSync(join(photos, id.slice(0, 2), `${id}.${ext}`), to)
    copied++
  }
  return { copied, missing }
}

if (import.meta.main) {
  const config = loadConfig()
  const source = resolve(config.dataDir, 'care.db')
  const target = resolve(process.argv[2] ?? join(config.dataDir, 'backups', `care-${stamp(new Date())}.db`))
  const result = backupStore(source, target)
  process.stdout.write(`backup written: ${target} (${result.bytes} bytes in ${result.ms} ms)\n`)
  // photos in a bucket (CARE_PHOTO_S3_URL) are the bucket's to keep
  if (!config.photoS3Url) {
    const into = `${target.replace(/\.db$/, '')}-photos`
    const photos = backupPhotos(target, join(resolve(config.dataDir), 'photos'), into)
    process.stdout.write(
      `photos: ${photos.copied} copied to ${into}${photos.missing ? `, ${photos.missing} gone since` : ''}\n`,
    )
  }
}
