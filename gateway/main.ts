import { App } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'

/** `npm start`: the whole system with embedded defaults. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(2)
    }
    throw error
  }
  const app = new App({ config })
  const report = await app.start()
  const base = `http://${config.host}:${app.httpPort}`
  process.stdout.write(
    [
      `care gateway up in ${report.bootMs} ms: ${report.restoredAlarms} open alarms restored`,
      `  HTTP API      ${base}/api/v1   (health: ${base}/api/v1/health)`,
      `  Pages         ${base}/login   (sign in with a web user, or with the admin token)`,
      `  MQTT          mqtt://${config.host}:${app.mqttPort ?? 'off'}   WebSocket ${base.replace('http', 'ws')}/mqtt`,
      ...(app.mqttsPort ? [`  MQTT over TLS mqtts://${config.host}:${app.mqttsPort}`] : []),
      ...(app.watchPort !== undefined
        ? [
            `  Watches       tcp://${config.host}:${app.watchPort}   ("3G" protocol${config.watchTls === 'on' ? ', TLS' : ''})`,
          ]
        : []),
      ...(report.adminToken
        ? [`  admin token   ${report.adminToken}   (shown once: keep it, or set CARE_ADMIN_TOKEN)`]
        : []),
      '',
    ].join('\n'),
  )
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    app.log.info({ signal }, 'stopping')
    // A stop that hangs (a client that never finishes its request, a flow that never closes) must
    // not keep the process alive: a supervisor restarting it would wait forever.
    setTimeout(() => {
      app.log.error({ timeoutMs: config.stopTimeoutMs }, 'stop timed out; exiting anyway')
      process.exit(1)
    }, config.stopTimeoutMs).unref()
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'stop failed')
        process.exit(1)
      },
    )
  }
  process.on('SIGINT', () => stop('SIGINT'))
  process.on('SIGTERM', () => stop('SIGTERM'))
}

main().catch((error: unknown) => {
  console.error('care gateway failed to start:', error)
  process.exit(1)
})
