import type { Logger } from '../../kernel/observe/log.ts'
import type { Metrics } from '../../kernel/observe/metrics.ts'
import type { ErasureReport } from './ports.ts'
import type { Carer, Device, Elder } from './schemas.ts'

/**
 * A registry record changed, whoever wrote it (a PUT, an import, an erasure); `undefined` means it
 * was deleted, and an erased elder comes with what the erasure removed. Told after the write is
 * stored, so a listener never sees a change that was undone.
 */
export type RegistryChange = (
  | { kind: 'elder'; id: string; elder: Elder; erasure?: undefined }
  | { kind: 'elder'; id: string; elder: undefined; erasure: ErasureReport }
  | { kind: 'device'; id: string; device: Device | undefined }
  | { kind: 'carer'; id: string; carer: Carer | undefined }
) & {
  /** Cluster mode: made and stored on another node; what follows from it there is not done again here. */
  remote?: true
}

export type RegistryListener = (change: RegistryChange) => void

/** The registry's listeners, each isolated: one that throws is counted and logged, the rest are still told. */
export class RegistryChanges {
  readonly #log: Logger | undefined
  readonly #metrics: Metrics | undefined
  readonly #listeners: { name: string; fn: RegistryListener }[] = []

  constructor(log?: Logger, metrics?: Metrics) {
    this.#log = log
    this.#metrics = metrics
  }

  subscribe(name: string, fn: RegistryListener): () => void {
    const entry = { name, fn }
    this.#listeners.push(entry)
    return () => {
      const i = this.#listeners.indexOf(entry)
      if (i >= 0) this.#listeners.splice(i, 1)
    }
  }

  emit(change: RegistryChange): void {
    for (const { name, fn } of this.#listeners) {
      try {
        fn(change)
      } catch (error) {
        this.#metrics?.inc('care_listener_errors_total', { listener: `registry.${name}` })
        this.#log?.error({ err: error, listener: name, id: change.id }, 'registry listener failed')
      }
    }
  }
}
