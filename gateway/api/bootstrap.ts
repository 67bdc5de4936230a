import { randomToken, sha256 } from '../registry/secrets.ts'
import type { Store } from '../store/db.ts'

/**
 * contract: the first admin comes from CARE_ADMIN_TOKEN, or a token printed
 * once at first start. Only its hash is kept; a later start with no
 * CARE_ADMIN_TOKEN keeps the first one.
 */
export function adminTokenHash(
  store: Store,
  configured: string | undefined,
): { hash: string; printOnce?: string } {
  const db = store.db
  if (configured) return { hash: sha256(configured) }
  const row = db.prepare("SELECT value FROM settings WHERE key = 'admin_token_hash'").get() as
    | { value: string }
    | undefined
  if (row) return { hash: row.value }
  const token = randomToken()
  db.prepare("INSERT INTO settings (key, value) VALUES ('admin_token_hash', ?)").run(sha256(token))
  return { hash: sha256(token), printOnce: token }
}
