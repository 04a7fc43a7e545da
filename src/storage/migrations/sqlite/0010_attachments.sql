-- Attachments on work orders and device alarms (issue 4 §2; docs/attachments.md, docs/devices.md).
--
-- order_attachments: photos and PDFs. The bytes live on disk under storage.attachments_dir with a
-- random name (storage_name); the row says what they are. The type is the one detected from the
-- content (never the uploader's claim), the name is the uploader's, sanitized, for downloads only.
-- A file is written durably before its row, so a row never points at a missing file; a file
-- without a row (a crash in between) is removed by the start-up sweep.
CREATE TABLE order_attachments (
    id            INTEGER PRIMARY KEY,
    order_id      INTEGER NOT NULL REFERENCES orders (id),
    storage_name  TEXT    NOT NULL UNIQUE,
    file_name     TEXT    NOT NULL CHECK (file_name <> ''),
    content_type  TEXT    NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/heic',
                                                           'application/pdf')),
    size_bytes    BIGINT  NOT NULL CHECK (size_bytes > 0),
    sha256        TEXT    NOT NULL,
    source        TEXT    NOT NULL CHECK (source IN ('staff', 'public')),
    uploaded_by   INTEGER NULL REFERENCES users (id),
    uploader_name TEXT    NOT NULL DEFAULT '',
    created_at    BIGINT  NOT NULL
);
CREATE INDEX order_attachments_order_idx ON order_attachments (order_id, id);

-- Devices that post alarms (高空抛物 cameras, smoke and water-level sensors), registered by an
-- administrator. The HMAC secret must be known to check signatures, so it is stored encrypted
-- (secretbox, the field key) rather than hashed; it is shown once, at registration.
-- Devices are removed softly (removed_at): orders keep "device:<id>" as their source.
-- last_order_id/last_alarm_at: repeated alarms within the dedupe window join that order's timeline.
CREATE TABLE devices (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL CHECK (name <> ''),
    kind          TEXT    NOT NULL CHECK (kind IN ('high_altitude_camera', 'smoke_sensor', 'water_level_sensor',
                                                   'other')),
    place_id      INTEGER NOT NULL REFERENCES territory_nodes (id),
    place_name    TEXT    NOT NULL DEFAULT '',
    category_id   INTEGER NOT NULL REFERENCES order_categories (id),
    secret_enc    TEXT    NOT NULL,
    secret_prefix TEXT    NOT NULL,
    created_by    INTEGER NULL REFERENCES users (id),
    created_at    BIGINT  NOT NULL,
    removed_at    BIGINT  NULL,
    last_alarm_at BIGINT  NULL,
    last_order_id INTEGER NULL REFERENCES orders (id),
    alarm_count   BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX devices_place_idx ON devices (place_id);

-- Signatures of accepted alarms, kept while their timestamp could still pass the freshness check:
-- a second alarm with the same signature is a replay.
CREATE TABLE device_alarm_signatures (
    device_id INTEGER NOT NULL REFERENCES devices (id),
    signature TEXT    NOT NULL,
    seen_at   BIGINT  NOT NULL,
    PRIMARY KEY (device_id, signature)
);
CREATE INDEX device_alarm_signatures_seen_idx ON device_alarm_signatures (device_id, seen_at);
