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
-- persons, place and the reference code.
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

-- Staff accounts for the admin pages (archive/account.c).  Passwords are
-- argon2id strings from libsodium's crypto_pwhash_str, never the text.
CREATE TABLE users (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,    -- [a-z0-9._-], 1-32 bytes
	role       TEXT NOT NULL
		CHECK (role IN ('admin', 'archivist', 'reviewer')),
	pwhash     TEXT NOT NULL,           -- $argon2id$...
	disabled   INTEGER NOT NULL DEFAULT 0,
	created    TEXT NOT NULL,
	last_login TEXT
);

-- Login sessions.  The cookie holds 256 random bits; only their SHA-256
-- is stored, so a copy of the database opens no session.
CREATE TABLE sessions (
	id_hash TEXT PRIMARY KEY,           -- SHA-256 (hex) of the cookie value
	user_id INTEGER NOT NULL REFERENCES users(id),
	csrf    TEXT NOT NULL,              -- the session's form token (hex)
	created INTEGER NOT NULL,           -- Unix seconds
	seen    INTEGER NOT NULL,           -- Unix seconds of the last request
	remote  TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id);

-- Login attempts, for limiting guesses per account name and per address.
-- name is what was typed (an unknown name is limited exactly like a real
-- one); rows older than a day are purged.
CREATE TABLE login_attempts (
	id     INTEGER PRIMARY KEY,
	at     INTEGER NOT NULL,            -- Unix seconds
	name   TEXT NOT NULL,
	remote TEXT NOT NULL,
	ok     INTEGER NOT NULL             -- 1 success, 0 failure
);
CREATE INDEX login_attempts_name ON login_attempts(name, at);
CREATE INDEX login_attempts_remote ON login_attempts(remote, at);

-- Consultation requests (查阅 / 借阅) and the records they name.  The
-- window valid_from..valid_until (China dates, inclusive) and the kinds
-- granted are set when a reviewer approves; user_id names the account
-- that may then see the content.
CREATE TABLE consult_requests (
	id          INTEGER PRIMARY KEY,
	person      TEXT NOT NULL,          -- 查阅人
	org         TEXT NOT NULL,          -- 单位
	purpose     TEXT NOT NULL,          -- research, work, history ...
	note        TEXT,
	kinds       TEXT NOT NULL,          -- asked: "view,print,copy" subset
	days        INTEGER NOT NULL CHECK (days BETWEEN 1 AND 90),
	status      TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'approved', 'refused')),
	created     TEXT NOT NULL,
	requester   TEXT NOT NULL,          -- agent who filed it
	user_id     INTEGER REFERENCES users(id),
	granted     TEXT,                   -- kinds approved
	valid_from  TEXT,                   -- YYYY-MM-DD
	valid_until TEXT,                   -- YYYY-MM-DD, inclusive
	decided_by  TEXT,
	decided_at  TEXT,
	reason      TEXT                    -- why refused
);
CREATE TABLE consult_items (
	request_id INTEGER NOT NULL REFERENCES consult_requests(id),
	record_id  INTEGER NOT NULL REFERENCES records(id),
	PRIMARY KEY (request_id, record_id)
) WITHOUT ROWID;
CREATE INDEX consult_items_record ON consult_items(record_id);

-- Each view, print or copy of consulted content (also an event
-- "consult"), for usage statistics (利用统计).
CREATE TABLE consult_uses (
	id         INTEGER PRIMARY KEY,
	at         TEXT NOT NULL,
	request_id INTEGER NOT NULL REFERENCES consult_requests(id),
	record_id  INTEGER NOT NULL REFERENCES records(id),
	user_id    INTEGER NOT NULL REFERENCES users(id),
	kind       TEXT NOT NULL CHECK (kind IN ('view', 'print', 'copy')),
	file       TEXT NOT NULL            -- SHA-256 of the object shown
);

-- Shelf locations of paper originals (库房日常管理): a path of one to four
-- parts, room 库房, cabinet 柜, shelf 层, box 盒, joined by '-' as in a
-- catalogue sheet's 位置 ("一号库房-01柜-02层-03盒").  Adding a location
-- adds its parents; records.location names one (archive/storage.c).
CREATE TABLE locations (
	id      INTEGER PRIMARY KEY,
	path    TEXT NOT NULL UNIQUE,
	parent  TEXT,                       -- the enclosing path, NULL: a room
	depth   INTEGER NOT NULL CHECK (depth BETWEEN 1 AND 4),
	created TEXT NOT NULL
);

-- Inventories (盘点) of a room or cabinet: what was found where, and at
-- the end the report of missing and misplaced items (JSON).
CREATE TABLE inventories (
	id       INTEGER PRIMARY KEY,
	scope    TEXT NOT NULL,             -- a location path
	started  TEXT NOT NULL,
	finished TEXT,
	agent    TEXT NOT NULL,
	report   TEXT                       -- JSON, set when finished
);
CREATE TABLE inventory_items (
	inventory_id INTEGER NOT NULL REFERENCES inventories(id),
	ref          TEXT NOT NULL,         -- as canonical as it could be made
	record_id    INTEGER REFERENCES records(id),  -- NULL: not catalogued
	at_location  TEXT,                  -- where it was found, if told
	found        TEXT NOT NULL,
	PRIMARY KEY (inventory_id, ref)
) WITHOUT ROWID;

-- Transfers (转递) sent as BagIt bags ('out') and received ('in', whose
-- id is the receipt 回执 number).  uuid is the bag's External-Identifier;
-- manifest the SHA-256 of its manifest-sha256.txt, which the receipt
-- repeats so the sender knows the very bag arrived (archive/transfer.c).
CREATE TABLE transfers (
	id        INTEGER PRIMARY KEY,
	direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),
	uuid      TEXT NOT NULL,
	peer      TEXT,                     -- out: 收件单位; in: the sender
	reason    TEXT,
	items     INTEGER NOT NULL,
	pages     INTEGER NOT NULL,
	files     INTEGER NOT NULL,
	bytes     INTEGER NOT NULL,
	manifest  TEXT NOT NULL,
	at        TEXT NOT NULL,
	agent     TEXT NOT NULL,
	path      TEXT NOT NULL,            -- the bag written or read
	detail    TEXT NOT NULL,            -- JSON: the items and their refs
	confirmed TEXT,                     -- out: when the receipt came back
	receipt   TEXT,                     -- out: the receipt (JSON)
	UNIQUE (direction, uuid)
);

-- The text of each page of a file, for display beside the image and for
-- ranking: from a PDF's text layer (confidence NULL) or read by OCR
-- (tesseract's mean word confidence, 0-100).  The record's searchable
-- body holds the same text joined.
CREATE TABLE pages (
	file_id    INTEGER NOT NULL REFERENCES files(id),
	page       INTEGER NOT NULL,        -- from 1
	text       TEXT NOT NULL,
	confidence INTEGER,                 -- 0-100; NULL for a text layer
	PRIMARY KEY (file_id, page)
) WITHOUT ROWID;
