-- Schema version 2: archivist workflows (issue 4) and page text (issue 5).
-- Applied by migration to data folders made with version 1; new folders
-- get version 1 and then this, in order (archive/db.c, migrations()).

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
-- adds its parents; records.location names one (archive/room.c).
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

-- Whether a record was ever published (approved and public).  OAI-PMH
-- reports such a record as deleted whenever it is no longer visible
-- (withdrawn, sent back to review by an edit, made internal or
-- restricted), so a harvester drops its copy; a record never published
-- never appears.  Kept by the triggers below, whatever code changes a
-- record.
ALTER TABLE records ADD COLUMN published INTEGER NOT NULL DEFAULT 0;
UPDATE records SET published = 1
	WHERE access = 'public' AND status IN ('approved', 'withdrawn');
CREATE TRIGGER records_published_insert AFTER INSERT ON records
	WHEN NEW.status = 'approved' AND NEW.access = 'public'
BEGIN
	UPDATE records SET published = 1 WHERE id = NEW.id;
END;
CREATE TRIGGER records_published_update
	AFTER UPDATE OF status, access ON records
	WHEN NEW.status = 'approved' AND NEW.access = 'public'
	AND NEW.published = 0
BEGIN
	UPDATE records SET published = 1 WHERE id = NEW.id;
END;
