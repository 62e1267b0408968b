-- Hongdang catalogue schema, version 1 (PRAGMA user_version = 1).
-- Compiled into the binary; archive/db.c runs it on a new data folder and
-- migrates older ones by user_version.

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- 全宗
CREATE TABLE fonds (
	id      INTEGER PRIMARY KEY,
	code    TEXT NOT NULL UNIQUE,       -- 全宗号, e.g. QF01
	name    TEXT NOT NULL,              -- 全宗名称
	created TEXT NOT NULL
);

-- One ingest run.
CREATE TABLE batches (
	id         INTEGER PRIMARY KEY,
	fonds_id   INTEGER NOT NULL REFERENCES fonds(id),
	source     TEXT NOT NULL,           -- the paths given
	agent      TEXT NOT NULL,
	started    TEXT NOT NULL,
	added      INTEGER NOT NULL DEFAULT 0,
	duplicates INTEGER NOT NULL DEFAULT 0
);

-- Last item number given out per reference-code prefix; only grows, so a
-- number is never handed out twice.
CREATE TABLE refseq (
	prefix TEXT PRIMARY KEY,            -- QF01-WS·2023·Y-DJ
	last   INTEGER NOT NULL
) WITHOUT ROWID;

-- 件 (or 案卷): one described record.
CREATE TABLE records (
	id          INTEGER PRIMARY KEY,
	ref         TEXT NOT NULL UNIQUE,   -- 档号, DA/T 13-2022
	fonds_id    INTEGER NOT NULL REFERENCES fonds(id),
	batch_id    INTEGER REFERENCES batches(id),
	title       TEXT NOT NULL,          -- 题名
	creator     TEXT,                   -- 责任者
	date        TEXT,                   -- ISO 8601, ranges with '/'
	year        INTEGER,                -- first year, NULL when undated
	year_end    INTEGER,
	category    TEXT NOT NULL,          -- 门类代码 WS ZP RS ...
	retention   TEXT NOT NULL CHECK (retention IN ('Y', 'D30', 'D10')),
	class       TEXT,                   -- 机构(问题) code
	access      TEXT NOT NULL
		CHECK (access IN ('public', 'internal', 'restricted')),
	status      TEXT NOT NULL CHECK (status IN
		('draft', 'pending', 'approved', 'returned', 'withdrawn')),
	place       TEXT,
	location    TEXT,                   -- 库房-柜-盒
	description TEXT,
	language    TEXT,
	source      TEXT,                   -- who handed it in
	pages       INTEGER,
	created     TEXT NOT NULL,
	updated     TEXT NOT NULL
);
CREATE INDEX records_visible ON records(status, access, year);
CREATE INDEX records_category ON records(category);

-- Subjects (主题词) and persons (人物) of a record, for facets.
CREATE TABLE terms (
	record_id INTEGER NOT NULL REFERENCES records(id),
	kind      TEXT NOT NULL CHECK (kind IN ('subject', 'person')),
	seq       INTEGER NOT NULL,
	term      TEXT NOT NULL,
	PRIMARY KEY (record_id, kind, seq)
) WITHOUT ROWID;
CREATE INDEX terms_term ON terms(kind, term);

-- Content-addressed objects in objects/ab/cdef...
CREATE TABLE objects (
	sha256  TEXT PRIMARY KEY,
	size    INTEGER NOT NULL,
	created TEXT NOT NULL
) WITHOUT ROWID;

-- The digital files of a record, in order.
CREATE TABLE files (
	id        INTEGER PRIMARY KEY,
	record_id INTEGER NOT NULL REFERENCES records(id),
	seq       INTEGER NOT NULL,
	name      TEXT NOT NULL,            -- original name, UTF-8 NFC
	sha256    TEXT NOT NULL REFERENCES objects(sha256),
	size      INTEGER NOT NULL,
	mime      TEXT,
	width     INTEGER,
	height    INTEGER,
	pages     INTEGER,
	exif      TEXT,                     -- JSON object, NULL without EXIF
	UNIQUE (record_id, seq)
);
CREATE INDEX files_sha ON files(sha256);

-- PREMIS-style events, append-only and hash-chained: hash is the SHA-256
-- of the previous event's hash and this event's fields (archive/event.c).
CREATE TABLE events (
	id        INTEGER PRIMARY KEY,
	at        TEXT NOT NULL,
	type      TEXT NOT NULL,
	record_id INTEGER REFERENCES records(id),
	agent     TEXT NOT NULL,
	detail    TEXT NOT NULL DEFAULT '',
	prev      TEXT NOT NULL,
	hash      TEXT NOT NULL UNIQUE
);
CREATE INDEX events_record ON events(record_id);

-- Quality and ingest warnings, kept with the batch and the record.
CREATE TABLE warnings (
	id        INTEGER PRIMARY KEY,
	batch_id  INTEGER REFERENCES batches(id),
	record_id INTEGER REFERENCES records(id),
	path      TEXT NOT NULL,
	message   TEXT NOT NULL
);
CREATE INDEX warnings_record ON warnings(record_id);

-- Full-text index, rowid = records.id.  meta holds creator, subjects,
-- persons, place and the reference code.  Version 11 makes it again with
-- the body first, (body, title, meta): a smaller index (migrate.c).
CREATE VIRTUAL TABLE search USING fts5(
	title, meta, body,
	tokenize = 'hongdang',
	detail = 'full'
);

-- Guided-talk bookings (讲解预约) of study groups.
CREATE TABLE visits (
	id        INTEGER PRIMARY KEY,
	day       TEXT NOT NULL,            -- YYYY-MM-DD
	slot      TEXT NOT NULL,            -- HH:MM, start of the hour
	grp       TEXT NOT NULL,            -- name of the group
	contact   TEXT NOT NULL,
	people    INTEGER NOT NULL CHECK (people > 0),
	free      INTEGER NOT NULL,         -- 1: public-welfare hours 公益时段
	price     INTEGER NOT NULL,         -- yuan per person
	created   TEXT NOT NULL,
	UNIQUE (day, slot, grp)
);
CREATE INDEX visits_day ON visits(day, slot);

-- Temperature and humidity of the storage room (库房温湿度).
CREATE TABLE storage_readings (
	id    INTEGER PRIMARY KEY,
	at    TEXT NOT NULL,
	room  TEXT NOT NULL DEFAULT '一号库房',
	temp  REAL NOT NULL,                -- °C; must keep 14-24
	rh    REAL NOT NULL,                -- % relative humidity; 45-60
	agent TEXT NOT NULL
);
