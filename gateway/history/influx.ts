import { HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client'
import type { Logger } from '../../kernel/observe/log.ts'
import { type LineSink, SinkError } from './sink.ts'

export interface InfluxTarget {
  url: string
  token?: string | undefined
  org?: string | undefined
  bucket?: string | undefined
  timeoutMs?: number
  /** The most lines one `write` may carry. */
  maxBatch: number
}

/**
 * The client logs every failed write to the console by itself; the writer
 * already counts and reports failures, so its messages go to our log at debug.
 * (`setLogger` is the client's one process-wide hook.)
 */
export function routeClientLog(log: Logger): void {
  setLogger({
    error: (message, err) => log.debug({ err }, message),
    warn: (message, err) => log.debug({ err }, message),
  })
}

/**
 * The v2 write API of `@influxdata/influxdb-client`, used one batch at a
 * time. Its own retry buffer is switched off (it drops
 * the oldest lines and gives up after `maxRetries`); the outbox retries
 * instead, and a batch counts as written only after `writeSuccess`.
 */
export class InfluxSink implements LineSink {
  readonly #api: WriteApi
  #succeeded = false

  constructor(target: InfluxTarget) {
    const client = new InfluxDB({
      url: target.url,
      token: target.token ?? '',
      timeout: target.timeoutMs ?? 10_000,
    })
    this.#api = client.getWriteApi(target.org ?? '', target.bucket ?? 'care', 'ms', {
      // only our explicit flush sends: never a timer, never an automatic flush mid-batch
      batchSize: target.maxBatch + 1,
      flushInterval: 0,
      maxRetries: 0,
      maxBufferLines: target.maxBatch + 1,
      writeSuccess: () => {
        this.#succeeded = true
      },
      writeFailed: () => undefined,
    })
  }

  async write(lines: readonly string[]): Promise<void> {
    this.#succeeded = false
    this.#api.writeRecords([...lines])
    try {
      await this.#api.flush()
    } catch (error) {
      if (error instanceof HttpError) {
        // the client gives Retry-After in seconds, as the header has it
        const retryAfterS = error.retryAfter()
        throw new SinkError(error.message, error.statusCode, retryAfterS > 0 ? retryAfterS * 1000 : undefined)
      }
      throw new SinkError(error instanceof Error ? error.message : String(error))
    }
    if (!this.#succeeded) throw new SinkError('write not confirmed by the server')
  }

  async close(): Promise<void> {
    await this.#api.close().catch(() => undefined)
  }
}
