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
export async function api<T>(
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<T> {
  return body === undefined
    ? call<T>(method, path)
    : call<T>(method, path, JSON.stringify(body), 'application/json')
}

/** A file sent as it is (a CSV or an Excel workbook for the import), answered like `api`. */
export function upload<T>(path: string, file: Blob | string, contentType: string): Promise<T> {
  return call<T>('POST', path, file, contentType)
}

async function call<T>(method: string, path: string, body?: BodyInit, contentType?: string): Promise<T> {
  const headers: Record<string, string> = {}
  const token = session()?.token
  if (token) headers.authorization = `Bearer ${token}`
  if (contentType) headers['content-type'] = contentType
  const res = await fetch(`/api/v1${path}`, { method, headers, ...(body !== undefined ? { body } : {}) })
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
