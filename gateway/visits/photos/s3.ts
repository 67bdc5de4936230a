import { createHash, createHmac } from 'node:crypto'
import type { ImageType } from './image.ts'
import type { PhotoStore, StoredPhoto } from './store.ts'

/**
 * Visit photos in an S3-compatible bucket (MinIO, Ceph, a cloud's object storage), when
 * CARE_PHOTO_S3_URL names one: objects keyed by the photo's sha256, their image type as the
 * object's content type, requests signed with AWS Signature Version 4 (path-style URLs, which
 * every S3-compatible server takes). Written here rather than with an SDK: four requests, one
 * signature.
 */

export interface S3Settings {
  /** `http(s)://host[:port]/bucket[/prefix]` */
  url: string
  accessKey: string
  secretKey: string
  region: string
}

const HASH = /^[0-9a-f]{64}$/
const TYPES: Record<string, ImageType> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/webp': 'webp' }
const CONTENT: Record<ImageType, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' }

export class S3PhotoStore implements PhotoStore {
  readonly #base: URL
  readonly #s: S3Settings
  readonly #now: () => number

  constructor(settings: S3Settings, now: () => number = Date.now) {
    this.#s = settings
    this.#base = new URL(settings.url.endsWith('/') ? settings.url : `${settings.url}/`)
    this.#now = now
  }

  async put(bytes: Buffer, type: ImageType): Promise<StoredPhoto> {
    const hash = createHash('sha256').update(bytes).digest('hex')
    const res = await this.#send('PUT', hash, bytes, { 'content-type': CONTENT[type] })
    if (!res.ok) throw new Error(`S3 PUT ${hash}: ${res.status} ${await res.text()}`)
    return { hash, type, size: bytes.length }
  }

  async get(hash: string): Promise<{ bytes: Buffer; type: ImageType } | undefined> {
    if (!HASH.test(hash)) return undefined
    const res = await this.#send('GET', hash)
    if (res.status === 404) return undefined
    if (!res.ok) throw new Error(`S3 GET ${hash}: ${res.status}`)
    const type = TYPES[(res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? ''] ?? 'jpeg'
    return { bytes: Buffer.from(await res.arrayBuffer()), type }
  }

  async has(hash: string): Promise<boolean> {
    if (!HASH.test(hash)) return false
    const res = await this.#send('HEAD', hash)
    if (res.status === 404) return false
    if (!res.ok) throw new Error(`S3 HEAD ${hash}: ${res.status}`)
    return true
  }

  async remove(hash: string): Promise<boolean> {
    if (!(await this.has(hash))) return false
    const res = await this.#send('DELETE', hash)
    if (!res.ok && res.status !== 404) throw new Error(`S3 DELETE ${hash}: ${res.status}`)
    return true
  }

  #send(method: string, hash: string, body?: Buffer, extra: Record<string, string> = {}): Promise<Response> {
    const url = new URL(hash, this.#base)
    const payload = createHash('sha256')
      .update(body ?? Buffer.alloc(0))
      .digest('hex')
    const headers = { ...extra, 'x-amz-content-sha256': payload, 'x-amz-date': amzDate(this.#now()) }
    const authorization = signV4({
      method,
      host: url.host,
      path: url.pathname,
      query: '',
      headers,
      payloadHash: payload,
      region: this.#s.region,
      accessKey: this.#s.accessKey,
      secretKey: this.#s.secretKey,
    })
    return fetch(url, { method, headers: { ...headers, authorization }, ...(body ? { body } : {}) })
  }
}

/** `20130524T000000Z` */
export function amzDate(at: number): string {
  return new Date(at)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
}

export interface SignInput {
  method: string
  host: string
  /** The URL's path as sent (already percent-encoded). */
  path: string
  /** The canonical query string (sorted, encoded), '' for none. */
  query: string
  /** Headers to sign besides `host`; must hold `x-amz-date`. */
  headers: Readonly<Record<string, string>>
  payloadHash: string
  region: string
  accessKey: string
  secretKey: string
}

/** The `Authorization` header of an S3 request, AWS Signature Version 4. */
export function signV4(i: SignInput): string {
  const all: Record<string, string> = { host: i.host }
  for (const [k, v] of Object.entries(i.headers)) all[k.toLowerCase()] = v.trim().replace(/\s+/g, ' ')
  const names = Object.keys(all).sort()
  const signed = names.join(';')
  const canonical = [
    i.method,
    i.path,
    i.query,
    names.map((n) => `${n}:${all[n]}\n`).join(''),
    signed,
    i.payloadHash,
  ].join('\n')
  const when = all['x-amz-date'] ?? ''
  const day = when.slice(0, 8)
  const scope = `${day}/${i.region}/s3/aws4_request`
  const toSign = ['AWS4-HMAC-SHA256', when, scope, sha256(canonical)].join('\n')
  let key: Buffer = hmac(`AWS4${i.secretKey}`, day)
  for (const part of [i.region, 's3', 'aws4_request']) key = hmac(key, part)
  const signature = createHmac('sha256', key).update(toSign).digest('hex')
  return `AWS4-HMAC-SHA256 Credential=${i.accessKey}/${scope}, SignedHeaders=${signed}, Signature=${signature}`
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest()
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
