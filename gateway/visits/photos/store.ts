import { createHash, randomUUID } from 'node:crypto'
import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import type { ImageType } from './image.ts'

/**
 * Where cleaned visit photos are kept, by content: the key is the sha256 of the bytes, so the same
 * photo sent twice (a retried upload) is stored once, and a key names its photo for good.
 */
export interface PhotoStore {
  /** Keeps the bytes (cleaned already); a photo kept before is left as it is. */
  put(bytes: Buffer, type: ImageType): Promise<StoredPhoto>
  get(hash: string): Promise<{ bytes: Buffer; type: ImageType } | undefined>
  /** Answers whether there was a photo to remove. */
  remove(hash: string): Promise<boolean>
  has(hash: string): Promise<boolean>
}

export interface StoredPhoto {
  /** sha256 of the bytes, 64 lowercase hex digits. */
  hash: string
  type: ImageType
  size: number
}

const EXTENSIONS: Record<ImageType, string> = { jpeg: 'jpg', png: 'png', webp: 'webp' }
const TYPES = Object.keys(EXTENSIONS) as ImageType[]

/** A hash is the only name a caller gives: anything else (`../x`, `ABC…`) never reaches a path. */
const HASH = /^[0-9a-f]{64}$/

/**
 * Photos as files `<dir>/<first two hex digits>/<hash>.<jpg|png|webp>`. A photo is written to a
 * temporary file in its folder, synced, then renamed into place, so a reader or a crash never sees
 * half a photo. The directory is made on the first put (no I/O in the constructor).
 */
export class FilePhotoStore implements PhotoStore {
  readonly #dir: string

  constructor(dir: string) {
    this.#dir = dir
  }

  async put(bytes: Buffer, type: ImageType): Promise<StoredPhoto> {
    const hash = createHash('sha256').update(bytes).digest('hex')
    const stored = { hash, type, size: bytes.length }
    const path = this.#path(hash, type)
    if (await exists(path)) return stored
    const folder = this.#folder(hash)
    await mkdir(folder, { recursive: true })
    const temp = `${folder}/.${hash}.${randomUUID()}.tmp`
    try {
      const file = await open(temp, 'wx')
      try {
        await file.writeFile(bytes)
        await file.sync()
      } finally {
        await file.close()
      }
      await rename(temp, path)
    } catch (e) {
      await unlink(temp).catch(() => undefined)
      throw e
    }
    return stored
  }

  async get(hash: string): Promise<{ bytes: Buffer; type: ImageType } | undefined> {
    for (const type of this.#types(hash)) {
      const bytes = await readFile(this.#path(hash, type)).catch(ifMissing(undefined))
      if (bytes) return { bytes, type }
    }
    return undefined
  }

  async remove(hash: string): Promise<boolean> {
    let removed = false
    for (const type of this.#types(hash)) {
      const gone = await unlink(this.#path(hash, type)).then(() => true, ifMissing(false))
      removed ||= gone
    }
    return removed
  }

  async has(hash: string): Promise<boolean> {
    for (const type of this.#types(hash)) {
      if (await exists(this.#path(hash, type))) return true
    }
    return false
  }

  /** The types to look under for a hash: none when it is not a hash. */
  #types(hash: string): ImageType[] {
    return HASH.test(hash) ? TYPES : []
  }

  #folder(hash: string): string {
    return `${this.#dir}/${hash.slice(0, 2)}`
  }

  #path(hash: string, type: ImageType): string {
    return `${this.#folder(hash)}/${hash}.${EXTENSIONS[type]}`
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, ifMissing(false))
}

/** A rejection handler answering `value` for a missing file and rethrowing anything else. */
function ifMissing<T>(value: T): (e: unknown) => T {
  return (e) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return value
    throw e
  }
}
