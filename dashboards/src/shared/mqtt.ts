import type { MqttClient } from 'mqtt'

/** The gateway's MQTT over WebSocket, on the page's own host and port (contract: `/mqtt`). */
export function mqttUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/mqtt`
}

/** mqtt.js is loaded only by the pages that speak MQTT, when they do. */
export async function loadMqtt(): Promise<typeof import('mqtt').default> {
  return (await import('mqtt')).default
}

export const carerTaskTopic = (carerId: string): string => `care/v1/carer/${carerId}/task`

/** The MQTT 3.1.1 return code a refused CONNECT came back with, if that is what failed. */
export function connackCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  return typeof code === 'number' ? code : undefined
}

/** Whether a failed SUBSCRIBE was answered with SUBACK 0x80 (mqtt.js puts the SUBACK on the error). */
export function refusedFilter(error: unknown): boolean {
  const e = error as { code?: unknown; packet?: { granted?: unknown[] } } | undefined
  if (e?.code === 0x80) return true
  return (e?.packet?.granted ?? []).some(
    (g) => (typeof g === 'number' ? g : (g as { qos?: number }).qos) === 0x80,
  )
}

export type CarerCheck = 'ok' | 'bad-credentials' | 'not-a-carer' | 'unreachable'

/**
 * Signs in as the carer's phone would, once, on a throwaway clean session: CONNACK, then a
 * subscription to the carer's own task topic, which the gateway grants only to a carer.
 */
export async function checkCarerLogin(carerId: string, secret: string): Promise<CarerCheck> {
  const mqtt = await loadMqtt()
  const client: MqttClient = mqtt.connect(mqttUrl(), {
    username: carerId,
    password: secret,
    clientId: `login-${carerId}-${Math.random().toString(36).slice(2, 8)}`,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 8_000,
    protocolVersion: 4,
  })
  try {
    return await signIn(client, carerId)
  } finally {
    client.end(true)
  }
}

async function signIn(client: MqttClient, carerId: string): Promise<CarerCheck> {
  try {
    await new Promise<void>((resolve, reject) => {
      client.once('connect', () => resolve())
      client.once('error', reject)
      client.once('close', () => reject(new Error('closed')))
    })
  } catch (error) {
    const code = connackCode(error)
    return code === 4 || code === 5 ? 'bad-credentials' : 'unreachable'
  }
  try {
    // SUBACK 0x80 (refused) rejects: the id is a device's or a service's, not a carer's
    await client.subscribeAsync(carerTaskTopic(carerId), { qos: 1 })
    return 'ok'
  } catch (error) {
    return refusedFilter(error) ? 'not-a-carer' : 'unreachable'
  }
}
