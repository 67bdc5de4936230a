/**
 * Schema migrations, applied in order inside one transaction each.
 * Append only: a shipped migration is never edited.
 */
export const migrations: readonly string[] = [
  // 1: registry, alarms, dispatch, telemetry, audit
  `
  CREATE TABLE elders (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    grid TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX elders_grid ON elders(grid);

  CREATE TABLE devices (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    elder_id TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    interval_s INTEGER NOT NULL,
    last_seen_at INTEGER,
    online INTEGER,
    battery REAL,
    fw TEXT,
    last_test_at INTEGER,
    lat REAL,
    lon REAL,
    acc REAL,
    pos_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX devices_elder ON devices(elder_id);

  CREATE TABLE carers (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    duty TEXT NOT NULL DEFAULT 'off',
    duty_at INTEGER,
    lat REAL,
    lon REAL,
    pos_at INTEGER,
    last_seen_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE users (
    username TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    pass_hash TEXT NOT NULL,
    name TEXT,
    grid TEXT,
    carer_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );

  CREATE TABLE alarms (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    escalated INTEGER NOT NULL DEFAULT 0,
    elder_id TEXT NOT NULL,
    device_id TEXT,
    carer_id TEXT,
    grid TEXT NOT NULL DEFAULT '',
    raised_at INTEGER NOT NULL,
    accepted_at INTEGER,
    arrived_at INTEGER,
    resolved_at INTEGER,
    outcome TEXT,
    arrival_distance_m REAL,
    arrival_flagged INTEGER,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    round INTEGER NOT NULL DEFAULT 0,
    seq INTEGER NOT NULL DEFAULT 0,
    msg_id TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX alarms_state ON alarms(state);
  CREATE INDEX alarms_raised ON alarms(raised_at);
  CREATE INDEX alarms_elder ON alarms(elder_id, raised_at);
  CREATE INDEX alarms_device ON alarms(device_id, raised_at);
  CREATE INDEX alarms_carer ON alarms(carer_id, raised_at);

  CREATE TABLE alarm_timeline (
    alarm_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor TEXT,
    carer_id TEXT,
    note TEXT,
    data TEXT,
    PRIMARY KEY (alarm_id, seq)
  ) WITHOUT ROWID;

  -- one row per carer per alarm: who was offered it, until when, and what became of it
  CREATE TABLE offers (
    alarm_id TEXT NOT NULL,
    carer_id TEXT NOT NULL,
    round INTEGER NOT NULL,
    offered_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    distance_m REAL NOT NULL,
    eta_min REAL NOT NULL,
    PRIMARY KEY (alarm_id, carer_id)
  ) WITHOUT ROWID;
  CREATE INDEX offers_pending ON offers(status, expires_at);
  CREATE INDEX offers_carer ON offers(carer_id, status);

  -- (device, message id) seen: a retransmitted sos/event/cancel never acts twice
  CREATE TABLE device_messages (
    device_id TEXT NOT NULL,
    msg_id TEXT NOT NULL,
    topic TEXT NOT NULL,
    at INTEGER NOT NULL,
    alarm_id TEXT,
    PRIMARY KEY (device_id, msg_id)
  ) WITHOUT ROWID;
  CREATE INDEX device_messages_at ON device_messages(at);

  CREATE TABLE positions (
    device_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    lat REAL NOT NULL,
    lon REAL NOT NULL,
    acc REAL,
    src TEXT,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, ts)
  ) WITHOUT ROWID;
  CREATE INDEX positions_received ON positions(received_at);

  CREATE TABLE vitals (
    device_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    doc TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, ts)
  ) WITHOUT ROWID;
  CREATE INDEX vitals_received ON vitals(received_at);

  -- per elder telemetry state that must survive a restart (fence hysteresis)
  CREATE TABLE fence_state (
    elder_id TEXT PRIMARY KEY,
    outside INTEGER NOT NULL,
    strikes INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE services (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    secret_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );

  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT,
    action TEXT NOT NULL,
    target TEXT,
    source TEXT,
    detail TEXT
  );
  CREATE INDEX audit_at ON audit(at);
  `,
  // 2: history outbox: finished line-protocol points waiting for InfluxDB, and those it refused for good
  `
  CREATE TABLE history_outbox (
    id INTEGER PRIMARY KEY,
    cls TEXT NOT NULL,
    line TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  -- no index on cls: every fix pays for an index, while only an outbox past its limit (an outage) looks
  -- rows up by class, walking them oldest first in rowid order

  CREATE TABLE history_rejected (
    id INTEGER PRIMARY KEY,
    cls TEXT NOT NULL,
    line TEXT NOT NULL,
    at INTEGER NOT NULL,
    rejected_at INTEGER NOT NULL,
    status INTEGER,
    reason TEXT NOT NULL
  );
  -- start-up re-queue of alarm entries newer than the history cursor
  CREATE INDEX alarm_timeline_at ON alarm_timeline(at);
  `,
  // 3: an elder's erasure still to be carried into the TSDB (pending), or left to an operator (manual)
  `
  CREATE TABLE history_erasures (
    elder_id TEXT PRIMARY KEY,
    requested_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL,
    status TEXT NOT NULL,
    last_error TEXT
  );
  `,
  // 4: a web user can be disabled (kept, refused at login and on every token); sessions ended by user
  `
  ALTER TABLE users ADD COLUMN disabled_at INTEGER;
  CREATE INDEX sessions_username ON sessions(username);
  `,
  // 5: a carer's phone session (POST /auth/carer), bound to the carer; NULL for a web user's session
  `
  ALTER TABLE sessions ADD COLUMN carer_id TEXT;
  CREATE INDEX sessions_carer ON sessions(carer_id);
  `,
  // 6: cells and Wi-Fi a watch heard without a fix, kept for a later look-up (embedded retention)
  `
  CREATE TABLE radio_scans (
    device_id TEXT NOT NULL,
    ts INTEGER NOT NULL,
    doc TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    PRIMARY KEY (device_id, ts)
  ) WITHOUT ROWID;
  CREATE INDEX radio_scans_received ON radio_scans(received_at);
  `,
  // 7: service stations as units of their own (name, address, grid, phone), which carers belong to
  `
  CREATE TABLE stations (
    id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    grid TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX stations_grid ON stations(grid);
  `,
  // 8: visits and carers' reports (the service ledger), each elder's visit plan, the photos of visits
  `
  CREATE TABLE visits (
    id TEXT PRIMARY KEY,
    elder_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    due_day TEXT NOT NULL,
    day_n INTEGER NOT NULL,
    carer_id TEXT,
    station_id TEXT,
    grid TEXT NOT NULL,
    risk TEXT NOT NULL,
    signed_in_at INTEGER,
    on_site_s INTEGER,
    doc TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX visits_elder ON visits(elder_id, kind, day_n);
  CREATE INDEX visits_status ON visits(status, day_n);
  CREATE INDEX visits_day ON visits(day_n, id);
  CREATE INDEX visits_carer ON visits(carer_id, status);
  CREATE INDEX visits_station ON visits(station_id, status);
  CREATE INDEX visits_station_day ON visits(station_id, day_n);
  CREATE INDEX visits_grid ON visits(grid, day_n);
  -- a need followed up: a later visit of the same elder (the figures ask it of every visit that noted one)
  CREATE INDEX visits_elder_signed ON visits(elder_id, signed_in_at);
  CREATE TABLE visit_plans (
    elder_id TEXT PRIMARY KEY,
    doc TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE visit_photos (
    visit_id TEXT NOT NULL,
    photo_id TEXT NOT NULL,
    elder_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (visit_id, photo_id)
  ) WITHOUT ROWID;
  CREATE INDEX visit_photos_photo ON visit_photos(photo_id);
  CREATE INDEX visit_photos_at ON visit_photos(at);
  `,
  // 9: when an alarm passed its elder's graded response deadline with nobody there (docs/visits.md)
  `
  ALTER TABLE alarms ADD COLUMN overdue_at INTEGER;
  `,
]
