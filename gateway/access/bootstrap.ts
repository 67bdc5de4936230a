import { randomToken, sha256 } from '../registry/secrets.ts'
import type { BootstrapRepository } from './ports.ts'

export interface BootstrapToken {
  /** sha256 of the token admitted as admin; '' when none is (retired, nothing configured). */
  hash: string
  /** A token made at this start, to be printed once and never again. */
  printOnce?: string
  retired: boolean
  retiredAt?: number
}

/**
 * contract: the first admin comes from CARE_ADMIN_TOKEN, or a token printed
 * once at first start. Only its hash is kept; a later start with no
 * CARE_ADMIN_TOKEN keeps the first one. Once retired (`POST
 * /auth/bootstrap-token/retire`) no token is made again, and a configured one
 * is refused like the kept one was (docs/decisions.md).
 */
export async function bootstrapToken(
  repo: BootstrapRepository,
  configured: string | undefined,
): Promise<BootstrapToken> {
  const state = await repo.state()
  const retired = state.retiredAt !== undefined
  const when = retired ? { retiredAt: state.retiredAt as number } : {}
  if (configured) return { hash: sha256(configured), retired, ...when }
  if (retired) return { hash: '', retired, ...when }
  if (state.tokenHash) return { hash: state.tokenHash, retired }
  const token = randomToken()
  if (await repo.keepTokenHash(sha256(token))) return { hash: sha256(token), printOnce: token, retired }
  // another start kept one first (cluster mode): that one stands, and it is not ours to print
  const kept = await repo.state()
  return { hash: kept.tokenHash ?? '', retired: kept.retiredAt !== undefined }
}
