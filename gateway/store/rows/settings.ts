/** Single values in the `settings` table, as both stores keep them (SQLite, PostgreSQL). */

/** Keys of the `settings` table. The retirement's key is documented (docs/decisions.md: recovery). */
export const ADMIN_TOKEN_HASH = 'admin_token_hash'
export const ADMIN_TOKEN_RETIRED_AT = 'admin_token_retired_at'
export const FLOWS_CREDENTIAL_SECRET = 'flows_credential_secret'

/** Keeps a value unless the key has one: the first value kept wins, whoever writes next. */
export const INSERT_SETTING = 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING'

export const READ_SETTING = 'SELECT value FROM settings WHERE key = ?'
export const FORGET_SETTING = 'DELETE FROM settings WHERE key = ?'
