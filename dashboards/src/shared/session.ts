/** The logged-in user, kept in localStorage so every page of the site shares it. */
export interface Session {
  token: string
  role: 'admin' | 'dispatcher' | 'supervisor' | 'carer'
  username: string
  expiresAt: number
}

const KEY = 'care.session'

export function session(): Session | undefined {
  const raw = localStorage.getItem(KEY)
  if (!raw) return undefined
  try {
    return JSON.parse(raw) as Session
  } catch {
    return undefined
  }
}

export function saveSession(s: Session): void {
  localStorage.setItem(KEY, JSON.stringify(s))
}

export function clearSession(): void {
  localStorage.removeItem(KEY)
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
