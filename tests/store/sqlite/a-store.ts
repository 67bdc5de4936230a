import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Store } from '../../../gateway/store/db.ts'

/** A fresh store in a real SQLite file (WAL, migrations), removed by `close()`. */
export function aStore(): Store & { remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'care-adapter-'))
  const store = new Store(join(dir, 'care.db'))
  store.open()
  return Object.assign(store, {
    remove() {
      store.close()
      rmSync(dir, { recursive: true, force: true })
    },
  })
}
