/**
 * The PostgreSQL schema (cluster mode), applied in order, one transaction each. Append only: a
 * shipped migration is never edited.
 *
 * It mirrors the SQLite schema (gateway/store/migrations.ts) column for column — times in
 * milliseconds as bigint, flags as integers, documents as JSON text — so the two adapters read
 * alike. Ids and grids sort as bytes (`COLLATE "C"`), as in SQLite, whatever the database's locale.
 */
export const migrations: readonly string[] = [
  // 1: everything the single-process store had at its version 9
  `
  CREATE TABLE elders (
    id text COLLATE "C" PRIMARY KEY,
    doc text NOT NULL,
    grid text COLLATE "C" NOT NULL DEFAULT '',
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX elders_grid ON elders(grid);

  CREATE TABLE devices (
    id text COLLATE "C" PRIMARY KEY,
    kind text NOT NULL,
    elder_id text COLLATE "C" NOT NULL,
    secret_hash text NOT NULL,
    interval_s integer NOT NULL,
    last_seen_at bigint,
    online integer,
    battery double precision,
    fw text,
    last_test_at bigint,
    lat double precision,
    lon double precision,
    acc double precision,
    pos_at bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX devices_elder ON devices(elder_id);

  CREATE TABLE carers (
    id text COLLATE "C" PRIMARY KEY,
    doc text NOT NULL,
    secret_hash text NOT NULL,
    duty text NOT NULL DEFAULT 'off',
    duty_at bigint,
    lat double precision,
    lon double precision,
    pos_at bigint,
    last_seen_at bigint,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );

  CREATE TABLE users (
    username text COLLATE "C" PRIMARY KEY,
    role text NOT NULL,
    pass_hash text NOT NULL,
    name text,
    grid text COLLATE "C",
    carer_id text COLLATE "C",
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    disabled_at bigint
  );

  CREATE TABLE sessions (
    token_hash text PRIMARY KEY,
    username text COLLATE "C" NOT NULL,
    expires_at bigint NOT NULL,
    carer_id text COLLATE "C"
  );
  CREATE INDEX sessions_username ON sessions(username);
  CREATE INDEX sessions_carer ON sessions(carer_id);

  CREATE TABLE alarms (
    id text COLLATE "C" PRIMARY KEY,
    kind text NOT NULL,
    priority integer NOT NULL,
    state text NOT NULL,
    escalated integer NOT NULL DEFAULT 0,
    elder_id text COLLATE "C" NOT NULL,
    device_id text COLLATE "C",
    carer_id text COLLATE "C",
    grid text COLLATE "C" NOT NULL DEFAULT '',
    raised_at bigint NOT NULL,
    accepted_at bigint,
    arrived_at bigint,
    resolved_at bigint,
    outcome text,
    arrival_distance_m double precision,
    arrival_flagged integer,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    round integer NOT NULL DEFAULT 0,
    seq integer NOT NULL DEFAULT 0,
    msg_id text,
    updated_at bigint NOT NULL,
    overdue_at bigint
  );
  CREATE INDEX alarms_state ON alarms(state);
  CREATE INDEX alarms_raised ON alarms(raised_at);
  CREATE INDEX alarms_elder ON alarms(elder_id, raised_at);
  CREATE INDEX alarms_device ON alarms(device_id, raised_at);
  CREATE INDEX alarms_carer ON alarms(carer_id, raised_at);
  CREATE INDEX alarms_grid ON alarms(grid, raised_at);

  CREATE TABLE alarm_timeline (
    alarm_id text COLLATE "C" NOT NULL,
    seq integer NOT NULL,
    type text NOT NULL,
    at bigint NOT NULL,
    actor text,
    carer_id text COLLATE "C",
    note text,
    data text,
    PRIMARY KEY (alarm_id, seq)
  );
  CREATE INDEX alarm_timeline_at ON alarm_timeline(at);

  CREATE TABLE offers (
    alarm_id text COLLATE "C" NOT NULL,
    carer_id text COLLATE "C" NOT NULL,
    round integer NOT NULL,
    offered_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    status text NOT NULL,
    distance_m double precision NOT NULL,
    eta_min double precision NOT NULL,
    PRIMARY KEY (alarm_id, carer_id)
  );
  CREATE INDEX offers_pending ON offers(status, expires_at);
  CREATE INDEX offers_carer ON offers(carer_id, status);

  CREATE TABLE device_messages (
    device_id text COLLATE "C" NOT NULL,
    msg_id text COLLATE "C" NOT NULL,
    topic text NOT NULL,
    at bigint NOT NULL,
    alarm_id text COLLATE "C",
    PRIMARY KEY (device_id, msg_id)
  );
  CREATE INDEX device_messages_at ON device_messages(at);

  CREATE TABLE positions (
    device_id text COLLATE "C" NOT NULL,
    ts bigint NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    acc double precision,
    src text,
    received_at bigint NOT NULL,
    PRIMARY KEY (device_id, ts)
  );
  CREATE INDEX positions_received ON positions(received_at);

  CREATE TABLE vitals (
    device_id text COLLATE "C" NOT NULL,
    ts bigint NOT NULL,
    doc text NOT NULL,
    received_at bigint NOT NULL,
    PRIMARY KEY (device_id, ts)
  );
  CREATE INDEX vitals_received ON vitals(received_at);

  CREATE TABLE radio_scans (
    device_id text COLLATE "C" NOT NULL,
    ts bigint NOT NULL,
    doc text NOT NULL,
    received_at bigint NOT NULL,
    PRIMARY KEY (device_id, ts)
  );
  CREATE INDEX radio_scans_received ON radio_scans(received_at);

  CREATE TABLE fence_state (
    elder_id text COLLATE "C" PRIMARY KEY,
    outside integer NOT NULL,
    strikes integer NOT NULL,
    updated_at bigint NOT NULL
  );

  CREATE TABLE services (
    id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL DEFAULT '',
    secret_hash text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );

  CREATE TABLE settings (
    key text PRIMARY KEY,
    value text NOT NULL
  );

  CREATE TABLE audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at bigint NOT NULL,
    actor text,
    action text NOT NULL,
    target text,
    source text,
    detail text
  );
  CREATE INDEX audit_at ON audit(at);

  CREATE TABLE history_outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cls text NOT NULL,
    line text NOT NULL,
    at bigint NOT NULL
  );

  CREATE TABLE history_rejected (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    cls text NOT NULL,
    line text NOT NULL,
    at bigint NOT NULL,
    rejected_at bigint NOT NULL,
    status integer,
    reason text NOT NULL
  );

  CREATE TABLE history_erasures (
    elder_id text COLLATE "C" PRIMARY KEY,
    requested_at bigint NOT NULL,
    attempts integer NOT NULL,
    status text NOT NULL,
    last_error text
  );

  CREATE TABLE stations (
    id text COLLATE "C" PRIMARY KEY,
    doc text NOT NULL,
    grid text COLLATE "C",
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX stations_grid ON stations(grid);

  CREATE TABLE visits (
    id text COLLATE "C" PRIMARY KEY,
    elder_id text COLLATE "C" NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    due_day text NOT NULL,
    day_n integer NOT NULL,
    carer_id text COLLATE "C",
    station_id text COLLATE "C",
    grid text COLLATE "C" NOT NULL,
    risk text NOT NULL,
    signed_in_at bigint,
    on_site_s integer,
    doc text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE INDEX visits_elder ON visits(elder_id, kind, day_n);
  CREATE INDEX visits_status ON visits(status, day_n);
  CREATE INDEX visits_day ON visits(day_n, id);
  CREATE INDEX visits_carer ON visits(carer_id, status);
  CREATE INDEX visits_station ON visits(station_id, status);
  CREATE INDEX visits_station_day ON visits(station_id, day_n);
  CREATE INDEX visits_grid ON visits(grid, day_n);
  CREATE INDEX visits_elder_signed ON visits(elder_id, signed_in_at);

  CREATE TABLE visit_plans (
    elder_id text COLLATE "C" PRIMARY KEY,
    doc text NOT NULL,
    updated_at bigint NOT NULL
  );

  CREATE TABLE visit_photos (
    visit_id text COLLATE "C" NOT NULL,
    photo_id text COLLATE "C" NOT NULL,
    elder_id text COLLATE "C" NOT NULL,
    at bigint NOT NULL,
    PRIMARY KEY (visit_id, photo_id)
  );
  CREATE INDEX visit_photos_photo ON visit_photos(photo_id);
  CREATE INDEX visit_photos_at ON visit_photos(at);
  `,
  // 2: the cluster's nodes and lanes (docs/cluster.md), and at most one open alarm of a kind per elder
  `
  CREATE TABLE cluster_nodes (
    node text COLLATE "C" PRIMARY KEY,
    seen_at bigint NOT NULL,
    started_at bigint NOT NULL
  );
  CREATE TABLE cluster_lanes (
    lane integer PRIMARY KEY,
    node text COLLATE "C",
    expires_at bigint NOT NULL DEFAULT 0
  );
  INSERT INTO cluster_lanes (lane) SELECT generate_series(0, 1023);
  -- a second press on another node becomes a note on the first alarm, never a second alarm
  CREATE UNIQUE INDEX alarms_one_open ON alarms(elder_id, kind)
    WHERE state IN ('open', 'offered', 'accepted', 'arrived');
  -- one planned visit ahead per elder, whichever node plans it
  CREATE UNIQUE INDEX visits_one_ahead ON visits(elder_id) WHERE kind = 'planned' AND status = 'due';
  `,
]
