import pg from 'pg'

/**
 * The audit of a cluster crash run: PostgreSQL read directly, in one REPEATABLE READ snapshot taken
 * while the nodes still run, so the alarms, their timelines, their offers and the device ledger are
 * read as of one moment (`checkedAt`, taken just before the snapshot).
 */

export interface AuditInput {
  databaseUrl: string
  /** Acknowledged presses, `deviceId/msgId`. */
  acked: ReadonlySet<string>
  elderOf: (deviceId: string) => string
  /** When the cluster settled after the last kill: every node up, every lane leased to its node. */
  settledAt: number
  /**
   * How long past the moment a deadline is owed the settled cluster may take to act on it: one
   * lease (a lane may still change hands once as the settling is observed) plus a margin for the
   * node's own work (rebuilding a lane's deadlines, the commit).
   */
  graceMs: number
  /** The graded response deadline (CARE_RESPONSE_MIN, the same for every grade in the run). */
  responseMs: number
}

export interface ClusterAudit {
  /** Acknowledged presses not in the ledger, or recorded without an SOS alarm of the device's elder. */
  lost: string[]
  /** A press that opened more than one alarm, or whose ledger row points elsewhere than the alarm it opened. */
  doubled: string[]
  /** SOS alarms no ledger row points to. */
  orphans: string[]
  /** An elder with two open alarms of one kind at one moment. */
  twoOpen: string[]
  /** Timelines whose seq is not 1, 2, … n, n being the alarm's own seq. */
  gaps: string[]
  /** A deadline that acted twice, or before it was due; a round offered twice; offers and timeline apart. */
  firedTwice: string[]
  /** An alarm held by two carers at once, accepted after its offer ran out, or held by someone else. */
  badAccepts: string[]
  /**
   * A deadline lost: one the settled cluster owed — due at `max(deadline, settledAt)` — still not
   * acted on `graceMs` later (`offerDeadlines`, `responseDeadline`).
   */
  lostDeadlines: string[]
}

export interface AuditFigures {
  checkedAt: number
  recorded: number
  alarms: number
  offers: number
  expired: number
  accepted: number
  overdue: number
  /** The latest an offer expiry acted after its offer's deadline, over the whole run (kills included). */
  latestExpiryMs: number
}

interface AlarmRow {
  id: string
  kind: string
  state: string
  elder_id: string
  carer_id: string | null
  raised_at: string
  resolved_at: string | null
  seq: number
  priority: number
  device_id: string | null
  msg_id: string | null
}

interface Entry {
  alarm_id: string
  seq: number
  type: string
  at: string
  carer_id: string | null
  data: string | null
}

interface OfferRow {
  alarm_id: string
  carer_id: string
  round: number
  expires_at: string
  status: string
}

interface Snapshot {
  checkedAt: number
  messages: { device_id: string; msg_id: string; alarm_id: string | null }[]
  alarms: AlarmRow[]
  entries: Map<string, Entry[]>
  offers: Map<string, OfferRow[]>
}

async function snapshot(databaseUrl: string): Promise<Snapshot> {
  const db = new pg.Client({ connectionString: databaseUrl })
  await db.connect()
  try {
    await db.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    // taken before the snapshot's first read: whatever was done by then is in it
    const checkedAt = Date.now()
    const messages = await db.query(
      "SELECT device_id, msg_id, alarm_id FROM device_messages WHERE topic = 'sos'",
    )
    const alarms = await db.query<AlarmRow>(
      `SELECT id, kind, state, elder_id, carer_id, raised_at, resolved_at, seq, priority, device_id, msg_id
       FROM alarms`,
    )
    const entries = await db.query<Entry>(
      'SELECT alarm_id, seq, type, at, carer_id, data FROM alarm_timeline ORDER BY alarm_id, seq',
    )
    const offers = await db.query<OfferRow>(
      'SELECT alarm_id, carer_id, round, expires_at, status FROM offers',
    )
    await db.query('COMMIT')
    return {
      checkedAt,
      messages: messages.rows,
      alarms: alarms.rows,
      entries: groupBy(entries.rows, (e) => e.alarm_id),
      offers: groupBy(offers.rows, (o) => o.alarm_id),
    }
  } finally {
    await db.end()
  }
}

function groupBy<T>(rows: readonly T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const row of rows) {
    const list = out.get(key(row))
    if (list) list.push(row)
    else out.set(key(row), [row])
  }
  return out
}

export async function auditCluster(
  input: AuditInput,
): Promise<{ audit: ClusterAudit; figures: AuditFigures }> {
  const s = await snapshot(input.databaseUrl)
  const audit: ClusterAudit = {
    lost: [],
    doubled: [],
    orphans: [],
    twoOpen: [],
    gaps: [],
    firedTwice: [],
    badAccepts: [],
    lostDeadlines: [],
  }
  const figures: AuditFigures = {
    checkedAt: s.checkedAt,
    recorded: s.messages.length,
    alarms: s.alarms.length,
    offers: 0,
    expired: 0,
    accepted: 0,
    overdue: 0,
    latestExpiryMs: 0,
  }
  presses(s, input, audit)
  openAtOnce(s.alarms, audit)
  for (const alarm of s.alarms) {
    const entries = s.entries.get(alarm.id) ?? []
    const offers = s.offers.get(alarm.id) ?? []
    figures.offers += offers.length
    figures.expired += entries.filter((e) => e.type === 'offer_expired').length
    figures.accepted += entries.filter((e) => e.type === 'accepted').length
    figures.overdue += entries.filter((e) => e.type === 'overdue').length
    sequence(alarm, entries, audit)
    rounds(alarm, entries, offers, audit)
    holders(alarm, entries, offers, audit)
    const late = offerDeadlines(alarm, entries, offers, input, s.checkedAt, audit)
    figures.latestExpiryMs = Math.max(figures.latestExpiryMs, late)
    responseDeadline(alarm, entries, input, s.checkedAt, audit)
  }
  return { audit, figures }
}

/** (1) Every acknowledged press is in the ledger and points to one SOS alarm of its elder; no press opened two. */
function presses(s: Snapshot, input: AuditInput, audit: ClusterAudit): void {
  const ledger = new Map(s.messages.map((m) => [`${m.device_id}/${m.msg_id}`, m.alarm_id]))
  const alarms = new Map(s.alarms.map((a) => [a.id, a]))
  for (const key of input.acked) {
    const alarmId = ledger.get(key)
    const alarm = alarmId ? alarms.get(alarmId) : undefined
    const device = key.slice(0, key.indexOf('/'))
    if (!alarm) audit.lost.push(`${key}: ${alarmId === undefined ? 'not recorded' : `no alarm ${alarmId}`}`)
    else if (alarm.kind !== 'sos' || alarm.elder_id !== input.elderOf(device))
      audit.lost.push(`${key}: points to ${alarm.id}, a ${alarm.kind} of ${alarm.elder_id}`)
  }
  // the alarm a press opened carries the press's id: one alarm per press, and the ledger agrees
  const opened = groupBy(
    s.alarms.filter((a) => a.msg_id !== null),
    (a) => `${a.device_id}/${a.msg_id}`,
  )
  for (const [key, list] of opened) {
    if (list.length > 1) audit.doubled.push(`${key} opened ${list.map((a) => a.id).join(', ')}`)
    const recorded = ledger.get(key)
    for (const a of list)
      if (recorded !== a.id) audit.doubled.push(`${key} opened ${a.id}, recorded ${recorded}`)
  }
  const pointed = new Set(s.messages.map((m) => m.alarm_id))
  for (const a of s.alarms) if (a.kind === 'sos' && !pointed.has(a.id)) audit.orphans.push(a.id)
}

/** (1) No elder ever had two open alarms of one kind: each closed before the next was raised. */
function openAtOnce(alarms: readonly AlarmRow[], audit: ClusterAudit): void {
  for (const [key, list] of groupBy(alarms, (a) => `${a.elder_id}/${a.kind}`)) {
    const sorted = [...list].sort((a, b) => Number(a.raised_at) - Number(b.raised_at))
    let openUntil = Number.NEGATIVE_INFINITY
    let holder = ''
    for (const a of sorted) {
      if (Number(a.raised_at) < openUntil)
        audit.twoOpen.push(`${key}: ${a.id} raised while ${holder} was open`)
      const closedAt = a.resolved_at === null ? Number.POSITIVE_INFINITY : Number(a.resolved_at)
      if (closedAt > openUntil) {
        openUntil = closedAt
        holder = a.id
      }
    }
  }
}

/** (2) The timeline's seq runs 1, 2, … up to the alarm's own seq, none missing, none twice. */
function sequence(alarm: AlarmRow, entries: readonly Entry[], audit: ClusterAudit): void {
  const seqs = entries.map((e) => e.seq)
  const ok = seqs.length === alarm.seq && seqs.every((seq, i) => seq === i + 1)
  if (!ok) audit.gaps.push(`${alarm.id}: seq ${seqs.join(',')} (alarm at ${alarm.seq})`)
}

function dataOf(entry: Entry): Record<string, unknown> {
  return entry.data ? (JSON.parse(entry.data) as Record<string, unknown>) : {}
}

/**
 * (2) No deadline fired twice: per alarm, one offer per carer, each round offered in one decision
 * (a round started twice would show as two), one expiry per (carer, round) and none before the
 * offer's deadline, one escalation and one overdue mark; the offers table says what the timeline says.
 */
function rounds(
  alarm: AlarmRow,
  entries: readonly Entry[],
  offers: readonly OfferRow[],
  audit: ClusterAudit,
): void {
  const twice = (what: string) => audit.firedTwice.push(`${alarm.id}: ${what}`)
  const offered = entries.filter((e) => e.type === 'offered')
  for (const [carer, list] of groupBy(offered, (e) => e.carer_id ?? '')) {
    if (list.length > 1) twice(`${carer} offered ${list.length} times`)
  }
  const byRound = groupBy(offered, (e) => String(dataOf(e).round))
  for (const [round, list] of byRound) {
    const decisions = new Set(list.map((e) => `${e.at}/${dataOf(e).expiresAt}`))
    if (decisions.size > 1) twice(`round ${round} offered in ${decisions.size} decisions`)
  }
  const numbers = [...byRound.keys()].map(Number).sort((a, b) => a - b)
  if (!numbers.every((n, i) => n === i + 1)) twice(`rounds ${numbers.join(',')}`)
  const expiries = entries.filter((e) => e.type === 'offer_expired')
  for (const [key, list] of groupBy(expiries, (e) => `${e.carer_id}/${dataOf(e).round}`)) {
    if (list.length > 1) twice(`offer ${key} expired ${list.length} times`)
  }
  for (const type of ['escalated', 'overdue']) {
    const n = entries.filter((e) => e.type === type).length
    if (n > 1) twice(`${type} ${n} times`)
  }
  for (const o of offers) {
    const mine = offered.filter((e) => e.carer_id === o.carer_id)
    const data = mine[0] ? dataOf(mine[0]) : {}
    if (mine.length !== 1 || data.round !== o.round || data.expiresAt !== Number(o.expires_at))
      twice(`offer to ${o.carer_id} (round ${o.round}) has no one matching 'offered' entry`)
    const expired = expiries.filter((e) => e.carer_id === o.carer_id)
    if ((o.status === 'expired') !== (expired.length === 1))
      twice(`offer to ${o.carer_id} is ${o.status} with ${expired.length} 'offer_expired' entries`)
    for (const e of expired)
      if (Number(e.at) < Number(o.expires_at)) twice(`offer to ${o.carer_id} expired early`)
  }
}

/**
 * (2) One holder at a time: walking the timeline, an `accepted` while someone holds the alarm is a
 * second holder; `reassigned` hands it on, a `withdrawn` of the holder or the close lets it go. An
 * accept comes from a carer with an offer, in time; the alarm's row names the holder the walk ends with.
 */
function holders(
  alarm: AlarmRow,
  entries: readonly Entry[],
  offers: readonly OfferRow[],
  audit: ClusterAudit,
): void {
  const bad = (what: string) => audit.badAccepts.push(`${alarm.id}: ${what}`)
  let holder: string | null = null
  for (const e of entries) {
    switch (e.type) {
      case 'accepted': {
        if (holder !== null) bad(`accepted by ${e.carer_id} while ${holder} held it (seq ${e.seq})`)
        const offer = offers.find((o) => o.carer_id === e.carer_id)
        if (!offer) bad(`accepted by ${e.carer_id}, who had no offer`)
        else if (Number(e.at) > Number(offer.expires_at))
          bad(`accepted by ${e.carer_id} after the offer ran out`)
        holder = e.carer_id
        break
      }
      case 'reassigned':
        holder = e.carer_id
        break
      case 'withdrawn':
        if (e.carer_id === holder) holder = null
        break
      case 'resolved':
      case 'cancelled':
        holder = null
        break
    }
  }
  const held = alarm.state === 'accepted' || alarm.state === 'arrived'
  if (held ? alarm.carer_id === null || alarm.carer_id !== holder : holder !== null)
    bad(`is ${alarm.state} with carer ${alarm.carer_id}, the timeline says ${holder}`)
  const accepted = offers.filter((o) => o.status === 'accepted').length
  if (accepted > 1) bad(`${accepted} accepted offers`)
}

/**
 * (3) No offer expiry lost. The settled cluster owes an offer's expiry at `max(expiresAt,
 * settledAt)`: due before the settling, it is owed from then (its lane's holder rebuilt it when it
 * took the lane, or held it all along); due after, from its own deadline. An offer still pending
 * `graceMs` past that moment — pending in the snapshot, or ended by an entry made only later (its
 * expiry, an accept, a decline, a withdrawal) — is a lost deadline. During the kills a deadline may
 * run late (its node dead until its lease runs out); how late is measured, not judged.
 * Returns the latest expiry of this alarm's offers past their deadline.
 */
function offerDeadlines(
  alarm: AlarmRow,
  entries: readonly Entry[],
  offers: readonly OfferRow[],
  input: AuditInput,
  checkedAt: number,
  audit: ClusterAudit,
): number {
  let latest = 0
  for (const o of offers) {
    const expiresAt = Number(o.expires_at)
    const offered = entries.find((e) => e.type === 'offered' && e.carer_id === o.carer_id)
    const end = entries.find(
      (e) =>
        e.seq > (offered?.seq ?? 0) &&
        e.carer_id === o.carer_id &&
        ['offer_expired', 'accepted', 'declined', 'withdrawn'].includes(e.type),
    )
    if (end?.type === 'offer_expired') latest = Math.max(latest, Number(end.at) - expiresAt)
    const endedAt = end ? Number(end.at) : o.status === 'pending' ? checkedAt : undefined
    if (endedAt === undefined) continue // ended without an entry: `rounds` reports it
    const owed = Math.max(expiresAt, input.settledAt) + input.graceMs
    if (endedAt > owed) {
      const how = end ? `ended (${end.type}) ${endedAt - owed} ms` : `still pending ${checkedAt - owed} ms`
      audit.lostDeadlines.push(`${alarm.id}: offer to ${o.carer_id} ${how} past the grace`)
    }
  }
  return latest
}

/**
 * (3) No response deadline lost, by the same rule: an alarm still waiting (open, offered or
 * accepted, nobody arrived, not closed) `graceMs` past `max(raisedAt + response, settledAt)`
 * without its `overdue` mark lost its deadline; a mark before the deadline fired early.
 */
function responseDeadline(
  alarm: AlarmRow,
  entries: readonly Entry[],
  input: AuditInput,
  checkedAt: number,
  audit: ClusterAudit,
): void {
  if (alarm.priority >= 4) return
  const due = Number(alarm.raised_at) + input.responseMs
  const mark = entries.find((e) => e.type === 'overdue')
  if (mark) {
    if (Number(mark.at) < due) audit.firedTwice.push(`${alarm.id}: overdue before its deadline`)
    return
  }
  const left = entries.find((e) => ['arrived', 'resolved', 'cancelled'].includes(e.type))
  const waitedUntil = left ? Number(left.at) : checkedAt
  const owed = Math.max(due, input.settledAt) + input.graceMs
  if (waitedUntil > owed)
    audit.lostDeadlines.push(`${alarm.id}: waited ${waitedUntil - owed} ms past the grace without 'overdue'`)
}
