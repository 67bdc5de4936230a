import { clearSession, session } from './session.ts'

export class ApiFailure extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.status = status
    this.code = code
  }
}

/** One call to the gateway's HTTP API with the session's token; errors become ApiFailure. */
export async function api<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  const token = session()?.token
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  })
  const text = await res.text()
  const json = text ? (JSON.parse(text) as unknown) : undefined
  if (!res.ok) {
    const error = (json as { error?: { code: string; message: string } } | undefined)?.error
    if (res.status === 401 && path !== '/auth/login') {
      clearSession()
      location.href = `/login?next=${encodeURIComponent(location.pathname)}`
    }
    throw new ApiFailure(res.status, error?.code ?? 'HTTP', error?.message ?? res.statusText)
  }
  return json as T
}
