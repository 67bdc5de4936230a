import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { signV4 } from '../../gateway/visits/photos/s3.ts'

/**
 * A remote S3 bucket stood in for on loopback (a third party, like the SMS provider): objects in
 * memory, every request's AWS Signature V4 checked against the one key it knows (a request signed
 * wrongly gets 403, as S3 answers), and every request recorded for the test to read.
 */
export interface FakeBucket {
  url: string
  objects: Map<string, { body: Buffer; type: string }>
  requests: { method: string; key: string }[]
  stop(): Promise<void>
}

export const BUCKET_KEYS = {
  accessKey: 'test-access-key',
  secretKey: 'test-secret-key-0123456789',
  region: 'cn-north-1',
}

export async function startFakeBucket(bucket = 'care-photos'): Promise<FakeBucket> {
  const objects = new Map<string, { body: Buffer; type: string }>()
  const requests: FakeBucket['requests'] = []
  const server: Server = createServer((req, res) => {
    void body(req).then((data) => {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      const prefix = `/${bucket}/`
      const key = path.startsWith(prefix) ? path.slice(prefix.length) : ''
      requests.push({ method: req.method ?? '', key })
      if (!key || !signedRight(req, data)) {
        res.writeHead(403).end('<Error><Code>SignatureDoesNotMatch</Code></Error>')
        return
      }
      const found = objects.get(key)
      switch (req.method) {
        case 'PUT':
          objects.set(key, { body: data, type: String(req.headers['content-type'] ?? '') })
          return res.writeHead(200).end()
        case 'GET':
          if (!found) return res.writeHead(404).end()
          return res.writeHead(200, { 'content-type': found.type }).end(found.body)
        case 'HEAD':
          return res.writeHead(found ? 200 : 404).end()
        case 'DELETE':
          objects.delete(key)
          return res.writeHead(204).end()
        default:
          return res.writeHead(405).end()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/${bucket}`,
    objects,
    requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = []
    req.on('data', (c: Buffer) => parts.push(c))
    req.on('end', () => resolve(Buffer.concat(parts)))
  })
}

/** The request's signature, made again from what arrived with the bucket's own secret; and the body's hash. */
function signedRight(req: IncomingMessage, data: Buffer): boolean {
  const auth = String(req.headers.authorization ?? '')
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(auth)?.[1]?.split(';') ?? []
  const payloadHash = String(req.headers['x-amz-content-sha256'] ?? '')
  if (createHash('sha256').update(data).digest('hex') !== payloadHash) return false
  const headers: Record<string, string> = {}
  for (const name of signedHeaders) if (name !== 'host') headers[name] = String(req.headers[name] ?? '')
  const expected = signV4({
    method: req.method ?? '',
    host: String(req.headers.host ?? ''),
    path: new URL(req.url ?? '/', 'http://x').pathname,
    query: '',
    headers,
    payloadHash,
    ...BUCKET_KEYS,
  })
  return expected === auth
}
