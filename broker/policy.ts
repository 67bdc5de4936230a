import type { Principal } from '../kernel/contract/principal.ts'
import { type ParsedTopic, parseTopic, TOPIC_ROOT } from '../kernel/contract/topics.ts'

export type { Principal }

export type PublishVerdict = { ok: true; topic: ParsedTopic } | { ok: false; reason: string }

/**
 * contract: a principal may publish only its own uplinks — a device under
 * `care/v1/dev/{id}/`, a carer under `care/v1/carer/{id}/` — and a service
 * publishes nothing (it acts through the HTTP API).
 */
export function mayPublish(principal: Principal, topic: string): PublishVerdict {
  const parsed = parseTopic(topic)
  if (!parsed) return { ok: false, reason: 'unknown_topic' }
  switch (parsed.kind) {
    case 'device':
      if (principal.kind === 'device' && parsed.id === principal.id) return { ok: true, topic: parsed }
      return { ok: false, reason: 'not_own_topic' }
    case 'carer':
      if (principal.kind === 'carer' && parsed.id === principal.id) return { ok: true, topic: parsed }
      return { ok: false, reason: 'not_own_topic' }
    case 'device-notify':
    case 'carer-task':
    case 'carer-track':
    case 'events':
      return { ok: false, reason: 'downlink_topic' }
  }
}

/** A will may only announce the device's own status going offline. */
export function mayWill(principal: Principal, topic: string): boolean {
  const verdict = mayPublish(principal, topic)
  return verdict.ok && verdict.topic.kind === 'device' && verdict.topic.leaf === 'status'
}

/**
 * contract: a principal subscribes only under its own id; services read
 * the integration events. The id level must be literal: a wildcard there
 * would reach someone else's topics. Nothing else starts with the own
 * prefix either: not `$SYS/…`, not a shared `$share/…` subscription.
 */
export function maySubscribe(principal: Principal, filter: string): boolean {
  const own = ownPrefix(principal)
  // The broker has already checked the filter's syntax ('#' only last).
  return filter.startsWith(own) && filter.length > own.length
}

/** Every kind has one; a new kind without a case here does not compile. */
function ownPrefix(principal: Principal): string {
  switch (principal.kind) {
    case 'device':
      return `${TOPIC_ROOT}/dev/${principal.id}/`
    case 'carer':
      return `${TOPIC_ROOT}/carer/${principal.id}/`
    case 'service':
      return `${TOPIC_ROOT}/events/`
  }
}
