/*
 * account.c - staff accounts, login sessions, login limits and the form
 * tokens of the admin pages.
 *
 * Guarantees:
 *  - a password is only ever held in memory to hash or verify it; the
 *    database keeps an argon2id string (libsodium crypto_pwhash_str_alg)
 *    and the event log names accounts and roles, never a password;
 *  - a login costs one argon2id verification whatever happens after the
 *    limit check: an unknown name is verified against a dummy hash made
 *    with the same parameters, a disabled account against its own, so
 *    neither answers faster than a wrong password;
 *  - a session cookie carries 256 random bits (randombytes_buf); only
 *    their SHA-256 is stored, so a copy of the database opens nothing;
 *    a session ends after policy.idle seconds without a request, after
 *    policy.max seconds in all, at logout, and when its account is
 *    disabled or its password changed;
 *  - each session has its own random form token (CSRF), compared in
 *    constant time; it dies with the session, so a token replayed after
 *    logout is refused;
 *  - failed logins are limited per typed name and per address; a locked
 *    name answers the same whether or not it exists, and attempts while
 *    locked are not counted (they do not extend the lock).
 */
#include "internal.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <jansson.h>
#include <sodium.h>

#define PW_OPS crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PW_MEM crypto_pwhash_MEMLIMIT_INTERACTIVE
#define PW_ALG crypto_pwhash_ALG_ARGON2ID13
#define ATTEMPTS_KEEP 86400     /* seconds login attempts are kept */
#define SESSION_WAIT_MS 200     /* a session check waits for the write
                                   lock at most (session_write) */

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static int sodium_ready;
/* What an unknown name is verified against (same cost as a real hash). */
static char dummy_hash[crypto_pwhash_STRBYTES];

static void sodium_setup(void)
{
	if (sodium_init() >= 0) {
		sodium_ready = 1;
	}
}

static void dummy_setup(void)
{
	char pw[65];

	hd_random_hex(pw);
	if (crypto_pwhash_str_alg(dummy_hash, pw, 64, PW_OPS, PW_MEM,
	    PW_ALG) != 0) {
		dummy_hash[0] = '\0';
	}
	sodium_memzero(pw, sizeof pw);
}

static int crypto_ready(struct hd_error *e)
{
	pthread_once(&sodium_once, sodium_setup);
	if (!sodium_ready) {
		return hd_err(e, HD_EIO, "libsodium could not be initialised");
	}
	return 0;
}

/*
 * hd_random_hex: see hd.h.  libsodium is the program's one source of
 * random secrets.  sodium_init fails only when a mutex does, which is an
 * invariant of the process, not an input; randombytes_buf itself never
 * fails (libsodium ends the process when the system has no randomness).
 */
void hd_random_hex(char out[65])
{
	unsigned char raw[32];

	pthread_once(&sodium_once, sodium_setup);
	assert(sodium_ready);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(out, 65, raw, sizeof raw);
	sodium_memzero(raw, sizeof raw);
}

int hd_token_equal(const char *s, const char *t)
{
	size_t n;

	if (s == NULL || t == NULL) {
		return 0;
	}
	n = strlen(s);
	if (n == 0 || n != strlen(t)) {
		return 0;
	}
	return sodium_memcmp(s, t, n) == 0;
}

int hd_csrf_ok(const struct hd_session *s, const char *sent)
{
	return s != NULL && s->csrf[0] != '\0' && hd_token_equal(s->csrf,
		sent);
}

/* ------------------------------------------------------------ roles */

#define P(x) (1u << (x))

static const struct {
	const char *code;
	unsigned perms;
} roles[] = {
	{"admin", P(HD_PERM_STAFF) | P(HD_PERM_EDIT) |
		P(HD_PERM_DECIDE) | P(HD_PERM_CONSULT_ASK) |
		P(HD_PERM_CONSULT_DECIDE) | P(HD_PERM_AUDIT) |
		P(HD_PERM_USERS)},
	{"archivist", P(HD_PERM_STAFF) | P(HD_PERM_EDIT) |
		P(HD_PERM_CONSULT_ASK) | P(HD_PERM_AUDIT)},
	{"reviewer", P(HD_PERM_STAFF) | P(HD_PERM_DECIDE) |
		P(HD_PERM_CONSULT_DECIDE)},
};

/* The roles' codes and names, in the order of roles[]. */
static const struct hd_code_name role_names[] = {
	{"admin", "管理员"}, {"archivist", "档案员"}, {"reviewer", "审核人"},
	{NULL, NULL},
};

const char *hd_role_code(const char *s)
{
	return hd_code_of(role_names, s, 1);
}

const char *hd_role_name(const char *code)
{
	return hd_name_of(role_names, code);
}

int hd_role_can(const char *role, enum hd_perm p)
{
	size_t i;

	for (i = 0; role != NULL && i < sizeof roles / sizeof roles[0];
	    i++) {
		if (strcmp(role, roles[i].code) == 0) {
			return (roles[i].perms & P(p)) != 0;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ checks */

/* 1 when name is an account name: 1-32 of [a-z0-9._-], the first a
 * letter or digit. */
static int name_ok(const char *name)
{
	size_t i, n;

	if (name == NULL) {
		return 0;
	}
	n = strlen(name);
	if (n == 0 || n > HD_USER_MAX) {
		return 0;
	}
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (i > 0 && (c == '.' || c == '_' || c == '-')))) {
			return 0;
		}
	}
	return 1;
}

static int check_name(const char *name, struct hd_error *e)
{
	if (!name_ok(name)) {
		return hd_err(e, HD_EINVAL, "账户名 '%s'：请用 1-32 个小写"
			"字母、数字或 . _ -（以字母或数字开头）",
			name ? name : "");
	}
	return 0;
}

/* 0 when pw may be the password of account name: 8-1024 bytes of UTF-8,
 * at least HD_PASSWORD_MIN characters, not the name; else HD_EINVAL
 * with a Chinese message. */
static int check_password(const char *name, const char *pw,
	struct hd_error *e)
{
	size_t n = pw ? strlen(pw) : 0;

	if (pw == NULL || n > HD_PASSWORD_MAX || !hd_utf8_valid(pw, n)) {
		return hd_err(e, HD_EINVAL, "密码须为不超过 %d 字节的 UTF-8 "
			"文字", HD_PASSWORD_MAX);
	}
	if (g_utf8_strlen(pw, -1) < HD_PASSWORD_MIN) {
		return hd_err(e, HD_EINVAL, "密码太短：至少 %d 个字符",
			HD_PASSWORD_MIN);
	}
	if (name != NULL && strcmp(name, pw) == 0) {
		return hd_err(e, HD_EINVAL, "密码不能与账户名相同");
	}
	return 0;
}

/* pw hashed with argon2id into out (crypto_pwhash_str_alg).  0, or
 * HD_EIO when libsodium cannot (out of memory). */
static int hash_password(const char *pw, char out[crypto_pwhash_STRBYTES],
	struct hd_error *e)
{
	if (crypto_pwhash_str_alg(out, pw, strlen(pw), PW_OPS, PW_MEM,
	    PW_ALG) != 0) {
		return hd_err(e, HD_EIO, "cannot hash the password (out of "
			"memory?)");
	}
	return 0;
}

/* An event "account" whose detail is {"action", "user", "role"}. */
static int account_event(struct hd_archive *a, const char *action,
	const char *user, const char *role, const struct hd_agent *agent,
	struct hd_error *e)
{
	json_t *o = json_object();
	char *detail;
	int rc;

	json_object_set_new(o, "action", json_string(action));
	json_object_set_new(o, "user", json_string(user));
	if (role != NULL) {
		json_object_set_new(o, "role", json_string(role));
	}
	detail = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	rc = hd_event_add(a, "account", 0, agent, detail, e);
	free(detail);
	return rc;
}

static void user_from_row(sqlite3_stmt *st, struct hd_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	snprintf(u->name, sizeof u->name, "%s",
		(const char *)sqlite3_column_text(st, 1));
	snprintf(u->role, sizeof u->role, "%s",
		(const char *)sqlite3_column_text(st, 2));
	u->disabled = sqlite3_column_int(st, 4);
	snprintf(u->created, sizeof u->created, "%s",
		(const char *)sqlite3_column_text(st, 5));
	snprintf(u->last_login, sizeof u->last_login, "%s",
		(const char *)sqlite3_column_text(st, 6));
}

/* Look name up; hash (crypto_pwhash_STRBYTES, may be NULL) receives its
 * password hash.  1 found, 0 not, negative on error. */
static int user_lookup(struct hd_archive *a, const char *name,
	struct hd_user *u, char *hash, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_USER_GET, e);
	int rc;

	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, name);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		user_from_row(st, u);
		if (hash != NULL) {
			snprintf(hash, crypto_pwhash_STRBYTES, "%s",
				(const char *)sqlite3_column_text(st, 3));
		}
		sqlite3_reset(st);
		return 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		return hd_sql_err(a, e, "look up account");
	}
	return 0;
}

/* ---------------------------------------------------------- accounts */

int hd_user_add(struct hd_archive *a, const char *name, const char *role,
	const char *password, const struct hd_agent *agent,
	struct hd_error *e)
{
	char hash[crypto_pwhash_STRBYTES], now[32];
	const char *code = hd_role_code(role);
	struct hd_user u;
	sqlite3_stmt *st;
	int rc;

	rc = check_name(name, e);
	if (rc != 0) {
		return rc;
	}
	if (code == NULL) {
		return hd_err(e, HD_EINVAL, "角色 '%s'：应为 admin、archivist "
			"或 reviewer", role ? role : "");
	}
	rc = check_password(name, password, e);
	if (rc == 0) {
		rc = crypto_ready(e);
	}
	/* hash before taking the write lock: it takes a while */
	if (rc == 0) {
		rc = hash_password(password, hash, e);
	}
	if (rc != 0) {
		return rc;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = user_lookup(a, name, &u, NULL, e);
	if (rc > 0) {
		rc = hd_err(e, HD_EEXIST, "账户 '%s' 已存在", name);
		goto fail;
	}
	if (rc < 0) {
		goto fail;
	}
	st = hd_sql(a, SQL_USER_INSERT, e);
	if (st == NULL) {
		rc = HD_EDB;
		goto fail;
	}
	hd_now_iso(now);
	hd_bind_text(st, 1, name);
	hd_bind_text(st, 2, code);
	hd_bind_text(st, 3, hash);
	hd_bind_text(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "add account");
		goto fail;
	}
	rc = account_event(a, "add", name, code, agent, e);
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc == 0) {
		return 0;
	}
fail:
	hd_tx_rollback(a);
	return rc;
}

int hd_user_list(struct hd_archive *a, struct hd_user **v, size_t *n,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_USER_LIST, e);
	int rc;

	*v = NULL;
	*n = 0;
	if (st == NULL) {
		return HD_EDB;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		user_from_row(st, &(*v)[(*n)++]);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(*v);
		*v = NULL;
		*n = 0;
		return hd_sql_err(a, e, "list accounts");
	}
	return 0;
}

int hd_user_get(struct hd_archive *a, const char *name, struct hd_user *u,
	struct hd_error *e)
{
	int rc = user_lookup(a, name, u, NULL, e);

	if (rc < 0) {
		return rc;
	}
	if (rc == 0) {
		return hd_err(e, HD_ENOTFOUND, "没有账户 '%s'",
			name ? name : "");
	}
	return 0;
}

static int end_sessions(struct hd_archive *a, int64_t user,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_SESSION_DELETE_USER, e);

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, user);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "end sessions");
	}
	return 0;
}

int hd_user_disable(struct hd_archive *a, const char *name, int disabled,
	const struct hd_agent *agent, struct hd_error *e)
{
	struct hd_user u;
	sqlite3_stmt *st;
	int rc;

	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_user_get(a, name, &u, e);
	if (rc != 0) {
		goto fail;
	}
	st = hd_sql(a, SQL_USER_SET_DISABLED, e);
	if (st == NULL) {
		rc = HD_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, u.id);
	sqlite3_bind_int(st, 2, disabled ? 1 : 0);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "disable account");
		goto fail;
	}
	rc = disabled ? end_sessions(a, u.id, e) : 0;
	if (rc == 0) {
		rc = account_event(a, disabled ? "disable" : "enable", u.name,
			NULL, agent, e);
	}
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc == 0) {
		return 0;
	}
fail:
	hd_tx_rollback(a);
	return rc;
}

int hd_user_passwd(struct hd_archive *a, const char *name,
	const char *password, const struct hd_agent *agent,
	struct hd_error *e)
{
	char hash[crypto_pwhash_STRBYTES];
	struct hd_user u;
	sqlite3_stmt *st;
	int rc;

	rc = hd_user_get(a, name, &u, e);
	if (rc == 0) {
		rc = check_password(name, password, e);
	}
	if (rc == 0) {
		rc = crypto_ready(e);
	}
	if (rc == 0) {
		rc = hash_password(password, hash, e);
	}
	if (rc != 0) {
		return rc;
	}
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_user_get(a, name, &u, e);
	if (rc != 0) {
		goto fail;
	}
	st = hd_sql(a, SQL_USER_SET_HASH, e);
	if (st == NULL) {
		rc = HD_EDB;
		goto fail;
	}
	sqlite3_bind_int64(st, 1, u.id);
	hd_bind_text(st, 2, hash);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = hd_sql_err(a, e, "set password");
		goto fail;
	}
	rc = end_sessions(a, u.id, e);
	if (rc == 0) {
		st = hd_sql(a, SQL_LOGIN_FORGET_NAME, e);
		if (st == NULL) {
			rc = HD_EDB;
		} else {
			hd_bind_text(st, 1, u.name);
			if (sqlite3_step(st) != SQLITE_DONE) {
				rc = hd_sql_err(a, e, "forget failures");
			}
		}
	}
	if (rc == 0) {
		rc = account_event(a, "passwd", u.name, NULL, agent, e);
	}
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc == 0) {
		return 0;
	}
fail:
	hd_tx_rollback(a);
	return rc;
}

/* ---------------------------------------------------------- sessions */

void hd_login_policy_default(struct hd_login_policy *p)
{
	p->idle = 30 * 60;
	p->max = 12 * 3600;
	p->fails = 5;
	p->fails_remote = 20;
	p->window = 15 * 60;
	p->lock = 15 * 60;
}

/* *yes becomes 1 when key (a name or an address) has limit failures
 * close enough together (within window) that the newest is less than
 * lock seconds ago.  Failures before the key's last success do not
 * count.  Returns 0, or HD_EDB: a limit that cannot be read never lets
 * a login through. */
static int locked(struct hd_archive *a, enum hd_sql which, const char *key,
	int limit, const struct hd_login_policy *p, int64_t now, int *yes,
	struct hd_error *e)
{
	sqlite3_stmt *st;
	int64_t newest = 0, oldest = 0;
	int n = 0, rc;

	*yes = 0;
	if (limit <= 0) {
		return 0;
	}
	st = hd_sql(a, which, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, key);
	sqlite3_bind_int64(st, 2, now - p->window - p->lock);
	sqlite3_bind_int(st, 3, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		oldest = sqlite3_column_int64(st, 0);
		if (n == 0) {
			newest = oldest;
		}
		n++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		return hd_sql_err(a, e, "count failed logins");
	}
	*yes = n >= limit && newest - oldest <= p->window &&
		now < newest + p->lock;
	return 0;
}

/* *yes becomes 1 when the name key or the address remote is locked
 * (locked()).  Returns 0 or HD_EDB. */
static int is_locked(struct hd_archive *a, const char *key,
	const char *remote, const struct hd_login_policy *p, int64_t now,
	int *yes, struct hd_error *e)
{
	int rc;

	rc = locked(a, SQL_LOGIN_FAILS_NAME, key, p->fails, p, now, yes, e);
	if (rc == 0 && !*yes) {
		rc = locked(a, SQL_LOGIN_FAILS_REMOTE, remote,
			p->fails_remote, p, now, yes, e);
	}
	return rc;
}

static int locked_err(const struct hd_login_policy *p, struct hd_error *e)
{
	return hd_err(e, HD_ELIMIT, "账户已暂时锁定，请 %d 分钟后再试",
		(p->lock + 59) / 60);
}

static int attempt_add(struct hd_archive *a, const char *key,
	const char *remote, int ok, int64_t now, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_LOGIN_PURGE, e);

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, now - ATTEMPTS_KEEP);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "purge attempts");
	}
	st = hd_sql(a, SQL_LOGIN_INSERT, e);
	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, now);
	hd_bind_text(st, 2, key);
	hd_bind_text(st, 3, remote);
	sqlite3_bind_int(st, 4, ok);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "record attempt");
	}
	return 0;
}

static int purge_sessions(struct hd_archive *a,
	const struct hd_login_policy *p, int64_t now, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_SESSION_PURGE, e);

	if (st == NULL) {
		return HD_EDB;
	}
	sqlite3_bind_int64(st, 1, now - p->idle);
	sqlite3_bind_int64(st, 2, now - p->max);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "purge sessions");
	}
	return 0;
}

static void session_fill(struct hd_session *s, const struct hd_user *u,
	const char *csrf, int64_t created, int64_t seen)
{
	memset(s, 0, sizeof *s);
	s->user_id = u->id;
	snprintf(s->user, sizeof s->user, "%s", u->name);
	snprintf(s->role, sizeof s->role, "%s", u->role);
	snprintf(s->agent, sizeof s->agent, "web:%s", u->name);
	snprintf(s->csrf, sizeof s->csrf, "%s", csrf);
	s->created = created;
	s->seen = seen;
}

/* Start a session for u inside the open transaction. */
static int session_start(struct hd_archive *a, const struct hd_user *u,
	const char *remote, int64_t now, char token[65],
	struct hd_session *s, struct hd_error *e)
{
	char idhash[65], csrf[65], at[32];
	struct hd_agent agent;
	sqlite3_stmt *st;
	json_t *o;
	char *detail;
	int rc;

	hd_random_hex(token);
	hd_random_hex(csrf);
	hd_sha256_hex(token, 64, idhash);
	st = hd_sql(a, SQL_SESSION_INSERT, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, idhash);
	sqlite3_bind_int64(st, 2, u->id);
	hd_bind_text(st, 3, csrf);
	sqlite3_bind_int64(st, 4, now);
	hd_bind_text(st, 5, remote);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "start session");
	}
	st = hd_sql(a, SQL_USER_SET_LOGIN, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_now_iso(at);
	sqlite3_bind_int64(st, 1, u->id);
	hd_bind_text(st, 2, at);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "note login");
	}
	session_fill(s, u, csrf, now, now);
	agent.name = s->agent;
	o = json_object();
	json_object_set_new(o, "user", json_string(u->name));
	json_object_set_new(o, "remote", json_string(remote));
	detail = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	rc = hd_event_add(a, "login", 0, &agent, detail, e);
	free(detail);
	return rc;
}

/* hd_login: see hd.h.  The lock is checked before the password and
 * again after a failure (which may have set it); a lock that cannot be
 * read is HD_EDB, never a login.  Allocates nothing that outlives it. */
int hd_login(struct hd_archive *a, const char *name, const char *password,
	const char *remote, const struct hd_login_policy *p, char token[65],
	struct hd_session *s, struct hd_error *e)
{
	char hash[crypto_pwhash_STRBYTES];
	const char *key = name_ok(name) ? name : "";
	const char *pw = password ? password : "";
	struct hd_user u;
	int64_t now = hd_now_s();
	int found, good, rc, lock;

	token[0] = '\0';
	memset(s, 0, sizeof *s);
	memset(&u, 0, sizeof u);
	remote = remote ? remote : "";
	rc = crypto_ready(e);
	if (rc != 0) {
		return rc;
	}
	pthread_once(&dummy_once, dummy_setup);
	rc = is_locked(a, key, remote, p, now, &lock, e);
	if (rc != 0) {
		return rc;
	}
	if (lock) {
		return locked_err(p, e);
	}
	found = key[0] ? user_lookup(a, key, &u, hash, e) : 0;
	if (found < 0) {
		return found;
	}
	/* the same work on every path: one argon2id verification */
	good = crypto_pwhash_str_verify(found ? hash : dummy_hash, pw,
		strlen(pw)) == 0;
	good = good && found && !u.disabled && strlen(pw) <= HD_PASSWORD_MAX;
	sodium_memzero(hash, sizeof hash);
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	now = hd_now_s();
	rc = attempt_add(a, key, remote, good, now, e);
	if (rc == 0) {
		rc = purge_sessions(a, p, now, e);
	}
	if (rc == 0 && good) {
		rc = session_start(a, &u, remote, now, token, s, e);
	}
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc != 0) {
		hd_tx_rollback(a);
		token[0] = '\0';
		memset(s, 0, sizeof *s);
		return rc;
	}
	if (good) {
		return 0;
	}
	rc = is_locked(a, key, remote, p, now, &lock, e);
	if (rc != 0) {
		return rc;
	}
	if (lock) {
		return locked_err(p, e);
	}
	return hd_err(e, HD_EDENIED, "用户名或密码不正确");
}

/* 1 when token is 64 lower-case hex digits. */
static int token_ok(const char *token)
{
	size_t i;

	if (token == NULL) {
		return 0;
	}
	for (i = 0; i < 64; i++) {
		if (!((token[i] >= '0' && token[i] <= '9') ||
		    (token[i] >= 'a' && token[i] <= 'f'))) {
			return 0;
		}
	}
	return token[64] == '\0';
}

static int session_delete(struct hd_archive *a, const char *idhash,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_SESSION_DELETE, e);

	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, idhash);
	if (sqlite3_step(st) != SQLITE_DONE) {
		return hd_sql_err(a, e, "end session");
	}
	return 0;
}

/* Write what a session check found (its own short transaction): remove
 * the session idhash when now is 0, else set its last-seen time to now.
 * Done only when the write lock comes within SESSION_WAIT_MS: an ingest
 * may hold it for minutes, and the pages that follow its progress must
 * still answer; a touch left undone is done by a later request, an
 * expired session left in place is refused again.  0 (also when left
 * undone), or a negative code with e set. */
static int session_write(struct hd_archive *a, const char *idhash,
	int64_t now, struct hd_error *e)
{
	sqlite3_stmt *st;
	int rc;

	sqlite3_busy_timeout(a->db, SESSION_WAIT_MS);
	rc = hd_tx_begin(a, e);
	sqlite3_busy_timeout(a->db, HD_BUSY_MS);
	if (rc != 0) {
		hd_err_clear(e);
		return 0;
	}
	if (now == 0) {
		rc = session_delete(a, idhash, e);
	} else {
		st = hd_sql(a, SQL_SESSION_TOUCH, e);
		if (st == NULL) {
			rc = HD_EDB;
		} else {
			hd_bind_text(st, 1, idhash);
			sqlite3_bind_int64(st, 2, now);
			rc = sqlite3_step(st) == SQLITE_DONE ? 0 :
				hd_sql_err(a, e, "touch session");
		}
	}
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc != 0) {
		hd_tx_rollback(a);
	}
	return rc;
}

/* The session is read without the write lock (see session_write). */
int hd_session_check(struct hd_archive *a, const char *token,
	const struct hd_login_policy *p, struct hd_session *s,
	struct hd_error *e)
{
	char idhash[65], csrf[65];
	struct hd_user u;
	sqlite3_stmt *st;
	int64_t now, created, seen;
	int rc, disabled;

	memset(s, 0, sizeof *s);
	if (!token_ok(token)) {
		return hd_err(e, HD_ENOTFOUND, "未登录");
	}
	hd_sha256_hex(token, 64, idhash);
	st = hd_sql(a, SQL_SESSION_GET, e);
	if (st == NULL) {
		return HD_EDB;
	}
	hd_bind_text(st, 1, idhash);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? hd_err(e, HD_ENOTFOUND, "未登录") :
			hd_sql_err(a, e, "find session");
	}
	memset(&u, 0, sizeof u);
	u.id = sqlite3_column_int64(st, 0);
	snprintf(u.name, sizeof u.name, "%s",
		(const char *)sqlite3_column_text(st, 1));
	snprintf(u.role, sizeof u.role, "%s",
		(const char *)sqlite3_column_text(st, 2));
	disabled = sqlite3_column_int(st, 3);
	snprintf(csrf, sizeof csrf, "%s",
		(const char *)sqlite3_column_text(st, 4));
	created = sqlite3_column_int64(st, 5);
	seen = sqlite3_column_int64(st, 6);
	sqlite3_reset(st);
	now = hd_now_s();
	if (disabled || now - seen > p->idle || now - created > p->max) {
		rc = session_write(a, idhash, 0, e);
		return rc != 0 ? rc : hd_err(e, HD_ENOTFOUND, "登录已过期");
	}
	/* the last-seen time in steps of a thirtieth of the idle limit
	 * (a minute at most): every commit makes the exhibit server's page
	 * cache start again, and an archivist at work must not do that on
	 * every click */
	if (now - seen >= (p->idle / 30 < 1 ? 1 : p->idle / 30 > 60 ? 60 :
	    p->idle / 30)) {
		rc = session_write(a, idhash, now, e);
		if (rc != 0) {
			return rc;
		}
	}
	session_fill(s, &u, csrf, created, now);
	return 0;
}

int hd_logout(struct hd_archive *a, const char *token, struct hd_error *e)
{
	struct hd_agent agent;
	char idhash[65], who[HD_USER_MAX + 8];
	sqlite3_stmt *st;
	int rc;

	if (!token_ok(token)) {
		return 0;
	}
	hd_sha256_hex(token, 64, idhash);
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	st = hd_sql(a, SQL_SESSION_GET, e);
	if (st == NULL) {
		rc = HD_EDB;
		goto fail;
	}
	hd_bind_text(st, 1, idhash);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		hd_tx_rollback(a);
		return 0;
	}
	snprintf(who, sizeof who, "web:%s",
		(const char *)sqlite3_column_text(st, 1));
	sqlite3_reset(st);
	agent.name = who;
	rc = session_delete(a, idhash, e);
	if (rc == 0) {
		rc = hd_event_add(a, "logout", 0, &agent, "", e);
	}
	if (rc == 0) {
		rc = hd_tx_commit(a, e);
	}
	if (rc == 0) {
		return 0;
	}
fail:
	hd_tx_rollback(a);
	return rc;
}
