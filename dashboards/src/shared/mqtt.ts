/** The gateway's MQTT over WebSocket, on the page's own host and port (contract: `/mqtt`). */
export function mqttUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/mqtt`
}

/** mqtt.js is loaded only by the pages that speak MQTT, when they do. */
export async function loadMqtt(): Promise<typeof import('mqtt').default> {
  return (await import('mqtt')).default
}

export const carerTaskTopic = (carerId: string): string => `care/v1/carer/${carerId}/task`
/** A wandering elder's fixes while the carer holds their `fence_exit` alarm (QoS 0). */
export const carerTrackTopic = (carerId: string): string => `care/v1/carer/${carerId}/track`

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
