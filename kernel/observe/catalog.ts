/**
 * Every series the gateway exposes at `/api/v1/metrics`, with its HELP text and label names
 * (docs/operations.md, "Metrics"). A name used in code but missing here is still exposed, with a
 * placeholder help; `tests/observe/catalog.test.ts` keeps the two in step.
 */

export interface SeriesDoc {
  help: string
  labels?: readonly string[]
}

export const counters: Readonly<Record<string, SeriesDoc>> = {
  care_uplinks_total: { help: 'MQTT uplinks accepted for handling, by topic leaf', labels: ['topic'] },
  care_uplinks_rejected_total: {
    help: 'MQTT uplinks dropped as invalid (acknowledged, not stored), by topic and reason',
    labels: ['topic', 'reason'],
  },
  care_messages_duplicate_total: { help: 'sos/event/cancel messages whose id was already handled' },
  care_test_presses_total: { help: 'Weekly test presses answered with test_ok' },
  care_events_history_only_total: { help: 'Device events kept as history only (door)', labels: ['type'] },
  care_mqtt_refused_total: {
    help: 'MQTT connections, publishes or subscriptions refused, by reason',
    labels: ['reason'],
  },
  care_mqtt_throttled_total: {
    help: 'QoS 0 telemetry publishes over the per-connection rate, dropped',
  },
  care_mqtt_held_total: {
    help: 'QoS 1 telemetry publishes over the per-connection rate, held back unacknowledged until their turn',
  },
  care_mqtt_store_failures_total: { help: 'Durable publishes not stored (no PUBACK; the device retries)' },
  care_mqtt_client_errors_total: { help: 'MQTT client errors reported by the broker' },
  care_mqtt_connection_errors_total: { help: 'MQTT connection errors before a client was identified' },
  care_downlink_errors_total: { help: 'Downlinks (notify, task) the broker failed to publish' },
  care_alarms_raised_total: { help: 'Alarms opened, by kind and priority', labels: ['kind', 'priority'] },
  care_alarms_escalated_total: {
    help: 'Alarms escalated to the dispatch centre, by reason',
    labels: ['reason'],
  },
  care_offers_total: { help: 'Offers sent to carers, by alarm priority', labels: ['priority'] },
  care_offers_expired_total: { help: 'Offers that lapsed unanswered' },
  care_replies_refused_total: { help: 'Carer replies refused, by error code', labels: ['code'] },
  care_reminders_total: { help: 'Reminders sent to carers past their ETA' },
  care_alarms_overdue_total: {
    help: 'Alarms nobody had arrived at by the elder\u2019s graded response deadline, by risk grade',
    labels: ['risk'],
  },
  care_tasks_resent_total: { help: 'Open tasks sent again to a carer phone that subscribed' },
  care_cluster_messages_lost_total: { help: 'Cluster mode: messages to the other nodes Redis did not take' },
  care_cluster_messages_refused_total: { help: 'Cluster mode: messages from the bus that were not JSON' },
  care_alarm_conflicts_total: {
    help: 'Alarm events decided again because another node changed the alarm first (cluster mode)',
  },
  care_visits_signed_in_total: {
    help: 'Visits checked in at the door, by whether the check-in was flagged (far, no fix, no photo, late)',
    labels: ['flagged'],
  },
  care_visits_done_total: {
    help: 'Visits checked out with a report, by whether done late',
    labels: ['late'],
  },
  care_visits_missed_total: {
    help: 'Visits not checked in by the end of their due day plus the grace, by risk grade and whether escalated',
    labels: ['risk', 'urgent'],
  },
  care_visits_followed_up_total: {
    help: 'Visits ahead brought forward as a follow-up, by reason (alarm, need) and risk grade',
    labels: ['reason', 'risk'],
  },
  care_visit_reports_total: { help: 'Carers\u2019 reports outside the plan, by kind', labels: ['kind'] },
  care_visit_photos_total: { help: 'Visit photos stored, by image type', labels: ['type'] },
  care_visit_photos_refused_total: {
    help: 'Visit photos refused: too_large, not_an_image, image_damaged',
    labels: ['reason'],
  },
  care_arrivals_flagged_total: {
    help: 'Arrivals checked in too far from the elder (flagged for supervision)',
  },
  care_listener_errors_total: {
    help: 'Listeners that threw, by listener (alarm feed; registry changes as registry.<name>)',
    labels: ['listener'],
  },
  care_timer_errors_total: { help: 'Deadline tasks that threw' },
  care_audit_total: { help: 'Audit entries recorded, by action', labels: ['action'] },
  care_audit_errors_total: { help: 'Audit entries that could not be stored' },
  care_live_dropped_total: { help: 'Live-stream clients dropped for falling behind' },
  care_flow_errors_total: { help: 'Errors logged by the embedded flows' },
  care_positions_stored_total: { help: 'Positions written to the store' },
  care_telemetry_write_errors_total: { help: 'Telemetry batches that could not be stored' },
  care_telemetry_gave_way_total: {
    help: 'Telemetry batches that waited for a transaction of the event loop before they were written',
  },
  care_telemetry_thread_failures_total: {
    help: 'Times the telemetry store\u2019s thread failed and telemetry went back to the event loop',
  },
  care_device_state_errors_total: { help: 'Fence states a fix moved that could not be stored' },
  care_store_checkpointed_pages_total: { help: 'WAL pages checkpointed into the store file' },
  care_store_checkpoint_errors_total: { help: 'WAL checkpoints that failed' },
  care_history_points_written_total: { help: 'History points confirmed by the TSDB' },
  care_history_points_retried_total: { help: 'History points written after at least one failed attempt' },
  care_history_points_requeued_total: { help: 'Alarm history points queued again at start' },
  care_history_points_rejected_total: {
    help: 'History points the TSDB refused, by measurement',
    labels: ['measurement'],
  },
  care_history_points_dropped_total: {
    help: 'History points dropped past the outbox limit, by measurement',
    labels: ['measurement'],
  },
  care_history_write_failures_total: { help: 'Failed TSDB writes, by HTTP status', labels: ['status'] },
  care_history_outbox_errors_total: { help: 'History points that could not be queued' },
  care_history_pruned_total: { help: 'Embedded positions and vitals removed past retention' },
  care_history_erasures_total: { help: 'Erasures confirmed by the TSDB' },
  care_history_erasure_failures_total: { help: 'Erasure attempts the TSDB refused (retried later)' },
  care_fixes_late_total: {
    help: 'Fixes whose device time was over 10 minutes old on arrival: stored as history, no fence check',
  },
  care_scans_total: { help: 'Cell and Wi-Fi scans kept from reports without a fix' },
  care_watch_frames_total: { help: 'Watch frames handled, by kind of frame', labels: ['kind'] },
  care_watch_frame_notes_total: {
    help: 'What the watch decoder noticed in frames it took (length_mismatch, no_fix…), by note',
    labels: ['note'],
  },
  care_watch_bad_frames_total: { help: 'Watch frames dropped as unreadable, by reason', labels: ['reason'] },
  care_watch_garbage_bytes_total: { help: 'Bytes outside any frame on watch connections' },
  care_watch_refused_total: {
    help: 'Watch connections refused (unknown device, connection cap)',
    labels: ['reason'],
  },
  care_watch_closed_total: { help: 'Watch connections closed, by reason', labels: ['reason'] },
  care_watch_logins_total: { help: 'Watches logged in by their first good frame' },
  care_watch_held_total: {
    help: 'Watch frames over the per-device rate, held back unanswered until their turn',
  },
  care_watch_store_failures_total: {
    help: 'Watch frames not stored (not answered; the watch sends them again)',
  },
  care_watch_answers_total: { help: 'Answers of watches to the gateway’s commands' },
  care_watch_commands_total: { help: 'Commands written to watches, by command', labels: ['command'] },
  care_watch_socket_errors_total: { help: 'Socket errors on watch connections' },
}

export const gauges: Readonly<Record<string, SeriesDoc>> = {
  care_mqtt_connections: { help: 'MQTT clients connected now' },
  care_watch_connections: { help: 'Sockets open on the watch listener now' },
  care_alarms_open: { help: 'Alarms not yet resolved or cancelled, by state', labels: ['state'] },
  care_carers_on_duty: { help: 'Carers on duty now' },
  care_history_outbox_depth: { help: 'History points waiting in the outbox for the TSDB' },
}

export interface HistogramDoc extends SeriesDoc {
  labels: readonly string[]
  /** Upper bounds, in seconds. */
  buckets: readonly number[]
}

/**
 * Latencies of the alarm path. The store-before-ack time is measured on the monotonic clock; the three
 * dispatch intervals come from the alarm's recorded times in the domain's clock, observed as they happen.
 */
export const histograms = {
  care_mqtt_store_ack_seconds: {
    help: 'Time a durable uplink (sos, event, cancel) spends being stored before its PUBACK',
    labels: ['topic'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  },
  care_alarm_first_offer_seconds: {
    help: 'From an alarm raised to its first offer to a carer, by alarm kind',
    labels: ['kind'],
    buckets: [0.01, 0.05, 0.25, 1, 5, 15, 60, 300, 900],
  },
  care_offer_accept_seconds: {
    help: 'From an offer to the carer who accepted it, to the accept, by alarm kind',
    labels: ['kind'],
    buckets: [5, 10, 20, 30, 60, 120, 300, 600],
  },
  care_accept_arrive_seconds: {
    help: 'From an accept (or assignment) to the carer checking in, by alarm kind',
    labels: ['kind'],
    buckets: [60, 180, 300, 600, 900, 1200, 1800, 3600],
  },
} as const satisfies Record<string, HistogramDoc>

export type HistogramName = keyof typeof histograms
