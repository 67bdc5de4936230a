import { parseArgs } from 'node:util'
import { seededRandom } from '../bench/lib/prng.ts'
import { type District, generateDistrict } from './district.ts'
import { runDistrict } from './live.ts'
import { type ProvisionReport, provision } from './provision.ts'
import { VisitRounds } from './visits.ts'

const say = (line: string) => process.stdout.write(`${line}\n`)

/**
 * `node simulator/main.ts --http URL --mqtt URL [--watch tcp://HOST:PORT] --token TOKEN`: registers a
 * seeded district with a running gateway and lets it live; with `--watch`, its watches speak the
 * "3G" protocol to the gateway's watch listener (else MQTT, like the other devices).
 * Env fallbacks: SIM_SEED, SIM_ELDERS, SIM_CARERS, SIM_SPEED.
 */
export interface Simulation {
  district: District
  provisioned: ProvisionReport
  visits: VisitRounds
  stop(): Promise<void>
}

export async function simulate(argv: string[]): Promise<Simulation> {
  const { values } = parseArgs({
    args: argv,
    options: {
      http: { type: 'string' },
      mqtt: { type: 'string' },
      watch: { type: 'string' },
      token: { type: 'string', default: process.env.CARE_ADMIN_TOKEN ?? '' },
      seed: { type: 'string', default: process.env.SIM_SEED ?? '20260105' },
      elders: { type: 'string', default: process.env.SIM_ELDERS ?? '200' },
      carers: { type: 'string', default: process.env.SIM_CARERS ?? '' },
      speed: { type: 'string', default: process.env.SIM_SPEED ?? '60' },
    },
  })
  if (!values.http || !values.mqtt || !values.token) throw new Error('need --http, --mqtt and --token')
  const district = generateDistrict({
    seed: Number(values.seed),
    elders: Number(values.elders),
    ...(values.carers ? { carers: Number(values.carers) } : {}),
  })
  const p = await provision(district, values.http, values.token)
  say(
    `district seed ${district.seed}: ${district.elders.length} elders, ${district.devices.length} devices, ` +
      `${district.carers.length} carers imported (POST /import, ${p.requests} requests: ${p.created} created, ` +
      `${p.updated} updated, ${p.rejected} rejected, ${p.ms} ms); speed ×${values.speed}`,
  )
  const live = await runDistrict(district, {
    mqttUrl: values.mqtt,
    watchUrl: values.watch,
    speed: Number(values.speed),
    log: (line) => say(`  ${new Date().toISOString().slice(11, 19)} ${line}`),
  })
  // care between emergencies: plans, and rounds of visits every half hour of simulated time
  const rounds = new VisitRounds({
    district,
    httpUrl: values.http,
    token: values.token,
    random: seededRandom(district.seed ^ 0x7151),
    log: (line) => say(`  ${new Date().toISOString().slice(11, 19)} ${line}`),
  })
  // a quarter of the elders' visits ahead brought to today: the rounds have work from the first hour
  const planned = await rounds.setup(0.25)
  say(`visits: ${planned.stations} stations, ${planned.plans} elders planned, ${planned.today} due today`)
  const speed = Number(values.speed)
  const simStart = Date.now()
  let running: Promise<unknown> = Promise.resolve()
  const visitTimer = setInterval(
    () => {
      const hour = new Date(simStart + (Date.now() - simStart) * speed).getHours()
      running = running
        .then(() => rounds.round(hour))
        .catch((error: unknown) => say(`  visits: ${String(error)}`))
    },
    Math.max(1_000, (30 * 60_000) / speed),
  )
  const report = setInterval(
    () => say(`  stats ${JSON.stringify({ ...live.stats, visits: rounds.stats })}`),
    30_000,
  )
  return {
    district,
    provisioned: p,
    visits: rounds,
    async stop() {
      clearInterval(report)
      clearInterval(visitTimer)
      await running
      await live.stop()
    },
  }
}

if (import.meta.main) {
  const sim = await simulate(process.argv.slice(2))
  process.once('SIGINT', () => void sim.stop().then(() => process.exit(0)))
  process.once('SIGTERM', () => void sim.stop().then(() => process.exit(0)))
}
