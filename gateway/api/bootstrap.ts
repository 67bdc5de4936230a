import { randomToken, sha256 } from '../registry/secrets.ts'
import type { Store } from '../store/db.ts'
import { RETIRED_KEY } from './auth.ts'

/**
 * contract: the first admin comes from CARE_ADMIN_TOKEN, or a token printed
 * once at first start. Only its hash is kept; a later start with no
 * CARE_ADMIN_TOKEN keeps the first one. Once retired (`POST
 * /auth/bootstrap-token/retire`) no token is made again, and a configured one
 * is refused like the stored one was (Auth reads the retirement itself).
 */
export function adminTokenHash(
  store: Store,
  configured: string | undefined,
): { hash: string; printOnce?: string; retired: boolean } {
  const db = store.db
  const retired = db.prepare('SELECT 1 FROM settings WHERE key = ?').get(RETIRED_KEY) !== undefined
  if (configured) return { hash: sha256(configured), retired }
  if (retired) return { hash: '', retired }
  const row = db.prepare("SELECT value FROM settings WHERE key = 'admin_token_hash'").get() as
    | { value: string }
    | undefined
  if (row) return { hash: row.value, retired }
  const token = randomToken()
  db.prepare("INSERT INTO settings (key, value) VALUES ('admin_token_hash', ?)").run(sha256(token))
  return { hash: sha256(token), printOnce: token, retired }
}
