import { Redis } from 'ioredis'
import { procCpuMs } from '../suite/servers.ts'

/** What Redis has done so far: commands processed, by command, and its process's CPU time. */
export interface RedisSample {
  commands: number
  byCommand: Record<string, number>
  cpuMs: number
}

/** A watcher of one Redis server (INFO over its own connection; CPU from /proc). */
export interface RedisWatch {
  pid: number
  sample(): Promise<RedisSample>
  /** Empties every database: the next cluster starts with no broker state. */
  flush(): Promise<void>
  close(): Promise<void>
}

function field(info: string, name: string): string | undefined {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim()
}

export async function watchRedis(url: string): Promise<RedisWatch> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 })
  const pid = Number(field(await client.info('server'), 'process_id') ?? 0)
  return {
    pid,
    async sample() {
      const [stats, commandStats] = [await client.info('stats'), await client.info('commandstats')]
      const byCommand: Record<string, number> = {}
      for (const m of commandStats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        byCommand[m[1] as string] = Number(m[2])
      }
      return {
        commands: Number(field(stats, 'total_commands_processed') ?? 0),
        byCommand,
        cpuMs: await procCpuMs(pid),
      }
    },
    async flush() {
      await client.flushall()
    },
    async close() {
      await client.quit()
    },
  }
}

/** Commands a second between two samples, the busiest first, those under one a second left out. */
export function commandRates(a: RedisSample, b: RedisSample, ms: number): Record<string, number> {
  const rates = Object.entries(b.byCommand)
    .map(([name, n]): [string, number] => [name, ((n - (a.byCommand[name] ?? 0)) * 1000) / ms])
    .filter(([, perS]) => perS >= 1)
    .sort((x, y) => y[1] - x[1])
  return Object.fromEntries(rates.map(([name, perS]) => [name, Math.round(perS)]))
}
