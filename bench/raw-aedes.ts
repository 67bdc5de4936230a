/**
 * Bare Aedes on a loopback port, no auth, no gateway: the baseline relay.
 * Prints `port N` once listening; on stdin `rss` answers `rss BYTES`, and
 * `count` answers `count N`, the PUBLISH packets received from clients so far.
 */
import { createServer } from 'node:net'
import { Aedes } from 'aedes'

const broker = await Aedes.createBroker()
const server = createServer((socket) => {
  socket.setNoDelay(true)
  broker.handle(socket)
})
server.maxConnections = 100_000
let received = 0
broker.on('publish', (_packet, client) => {
  if (client) received++
})
server.listen(0, '127.0.0.1', () => {
  const address = server.address()
  process.stdout.write(`port ${typeof address === 'object' && address ? address.port : 0}\n`)
})
process.stdin.on('data', (d) => {
  if (d.toString().includes('rss')) process.stdout.write(`rss ${process.memoryUsage().rss}\n`)
  if (d.toString().includes('count')) process.stdout.write(`count ${received}\n`)
})
process.on('SIGTERM', () => process.exit(0))
