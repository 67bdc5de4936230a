import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

/**
 * Secrets and passwords, hashed with scrypt (node:crypto) and compared in
 * constant time. Stored as `scrypt$N$r$p$salt$hash` (base64url).
 */

export interface ScryptCost {
  N: number
  r: number
  p: number
}

/** People's passwords: the usual interactive cost. */
export const passwordCost: ScryptCost = { N: 16_384, r: 8, p: 1 }
/**
 * Machine secrets (devices, carers' phones) are random and long, so brute
 * force is not the threat a weak password is; a lower cost keeps a
 * reconnect storm of 20,000 devices from taking minutes of CPU.
 */
export const machineCost: ScryptCost = { N: 4_096, r: 8, p: 1 }

const KEY_LEN = 32

/** scrypt derivations since start, by cost parameter N: the tests prove which paths pay a hash. */
const derivations = new Map<number, number>()

export function scryptDerivations(cost: ScryptCost): number {
  return derivations.get(cost.N) ?? 0
}

function derive(secret: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  derivations.set(cost.N, (derivations.get(cost.N) ?? 0) + 1)
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, KEY_LEN, { ...cost, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    )
  })
}

export async function hashSecret(secret: string, cost: ScryptCost): Promise<string> {
  const salt = randomBytes(16)
  const key = await derive(secret, salt, cost)
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$')
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [tag, n, r, p, salt, hash] = stored.split('$')
  if (tag !== 'scrypt' || !n || !r || !p || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const key = await derive(secret, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A salt no stored hash uses: the dummy check below derives with it and compares with nothing. */
const DUMMY_SALT = randomBytes(16)
const DUMMY_KEY = Buffer.alloc(KEY_LEN)

/**
 * The work `verifySecret` does for a real record, for an id that has none: one derivation at the
 * same cost and a constant-time comparison, always false. An unknown user or principal must take
 * as long to refuse as a wrong password, or the answer's timing tells which names exist.
 */
export async function dummyVerify(secret: string, cost: ScryptCost): Promise<false> {
  const key = await derive(secret, DUMMY_SALT, cost)
  timingSafeEqual(key, DUMMY_KEY)
  return false
}

export { sameText, sha256 } from '../../kernel/hash.ts'

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url')
}
