import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InfluxSink, routeClientLog } from '../../gateway/history/influx.ts'
import { SinkError, verdict } from '../../gateway/history/sink.ts'
import { createLogger } from '../../kernel/observe/log.ts'
import { freePort, missingServer, startVictoria, VICTORIA, type Victoria } from '../support/tsdb.ts'

// the adapter over @influxdata/influxdb-client: a write counts only when the server took it, and failures carry
// what the writer needs to choose between retrying and splitting
const skip = missingServer(VICTORIA)

describe.skipIf(skip !== undefined)(`the InfluxDB client adapter${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let vm: Victoria
  beforeAll(async () => {
    routeClientLog(createLogger('silent'))
    vm = await startVictoria()
  })
  afterAll(async () => {
    await vm?.stop()
  })

  it('resolves once the server has taken the batch', async () => {
    const sink = new InfluxSink({ url: vm.url, bucket: 'care', maxBatch: 10 })
    await sink.write(['probe,device=D1 v=1 1767600000000', 'probe,device=D1 v=2 1767600001000'])
    await vm.flush()
    await expect
      .poll(async () => (await vm.exportSeries('probe_v'))[0]?.values, { timeout: 5_000 })
      .toEqual([1, 2])
    await sink.close()
  })

  it('maps a refusal to its status and Retry-After (VictoriaMetrics skips bad lines, so a stub answers here)', async () => {
    const answers = [
      {
        status: 400,
        headers: {},
        body: '{"code":"invalid","message":"unable to parse \'not line protocol\'"}',
      },
      { status: 429, headers: { 'retry-after': '7' }, body: '{"code":"too many requests"}' },
    ]
    const server = createServer((_req, res) => {
      const a = answers.shift() ?? { status: 500, headers: {}, body: '' }
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(a.body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const sink = new InfluxSink({ url: `http://127.0.0.1:${port}`, bucket: 'care', maxBatch: 10 })
    const bad = (await sink.write(['not line protocol']).catch((e) => e)) as SinkError
    expect(bad).toBeInstanceOf(SinkError)
    expect([bad.status, verdict(bad)]).toEqual([400, 'split'])
    const busy = (await sink.write(['probe v=1 1']).catch((e) => e)) as SinkError
    expect([busy.status, busy.retryAfterMs, verdict(busy)]).toEqual([429, 7_000, 'retry'])
    await sink.close()
    await new Promise((resolve) => server.close(resolve))
  })

  it('rejects without a status when nothing listens, which the writer retries', async () => {
    const sink = new InfluxSink({ url: `http://127.0.0.1:${await freePort()}`, bucket: 'care', maxBatch: 10 })
    const error = await sink.write(['probe v=1 1']).catch((e) => e)
    expect(error).toBeInstanceOf(SinkError)
    expect((error as SinkError).status).toBeUndefined()
    expect(verdict(error as SinkError)).toBe('retry')
    await sink.close()
  })
})
