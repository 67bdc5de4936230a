/**
 * The signed-in user, kept in the browser so every page of the site shares it. Three ways in:
 * - username and password: a session token for the HTTP API (`token`), kept in localStorage;
 * - the administrator's token: `token` is that token, kept in sessionStorage only (it never
 *   expires, so it goes when the browser does);
 * - a carer's phone: the carer id and secret are traded at login for a phone session token
 *   (`POST /auth/carer`), kept in localStorage with `mqtt` set; the carer page uses the token as its
 *   MQTT password over `/mqtt`. The secret itself is never kept (docs/security.md), and logout
 *   revokes the token.
 */
export interface Session {
  role: 'admin' | 'dispatcher' | 'supervisor' | 'carer'
  username: string
  /** Bearer token for the HTTP API; in MQTT mode also the MQTT password. */
  token?: string
  expiresAt?: number
  /** MQTT mode: the carer page talks the contract's carer topics as this carer. */
  mqtt?: { carerId: string }
}

const KEY = 'care.session'

function read(store: Storage): Session | undefined {
  const raw = store.getItem(KEY)
  if (!raw) return undefined
  try {
    const s = JSON.parse(raw) as Session & { mqtt?: { secret?: unknown } }
    // an older page kept the carer's secret itself: drop it, and ask for a login that trades it
    if (s.mqtt && (s.mqtt.secret !== undefined || !s.token)) {
      store.removeItem(KEY)
      return undefined
    }
    return s
  } catch {
    return undefined
  }
}

export function session(): Session | undefined {
  return read(sessionStorage) ?? read(localStorage)
}

/** `persist: false` keeps the session for this browser window only (the admin token). */
export function saveSession(s: Session, options: { persist?: boolean } = {}): void {
  clearSession()
  const store = options.persist === false ? sessionStorage : localStorage
  store.setItem(KEY, JSON.stringify(s))
}

export function clearSession(): void {
  localStorage.removeItem(KEY)
  sessionStorage.removeItem(KEY)
}

/** The page a role lands on after login. */
export function homeOf(role: Session['role']): string {
  if (role === 'supervisor') return '/supervision'
  if (role === 'carer') return '/carer'
  return '/'
}

/** The session, or a trip to the login page that comes back here. */
export function requireSession(allowed: readonly Session['role'][]): Session {
  const s = session()
  if (!s) {
    location.href = `/login?next=${encodeURIComponent(location.pathname)}`
    throw new Error('not logged in')
  }
  if (!allowed.includes(s.role)) {
    location.href = homeOf(s.role)
    throw new Error('not for this role')
  }
  return s
}
