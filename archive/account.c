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
 *    logout is refused; a visitor's form carries a token this process
 *    signed (HMAC-SHA-256), tied to the visitor's cookie, that dies
 *    with its age and the process;
 *  - failed logins are limited per typed name from one address (a lock
 *    for that address), per address (a lock) and per typed name from
 *    anywhere (a wait that grows), so a guesser cannot lock the owner
 *    out from another address; a locked name answers the same whether
 *    or not it exists, and attempts refused are not counted (they do
 *    not extend the lock);
 *  - the limits are read and the attempt counted as a failure in one
 *    transaction before the password is verified, so guesses at once
 *    cannot verify more passwords than the limits allow, and a right
 *    password is refused while its name or address is locked.
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

/* pthread_once body: initialise libsodium once for the process and note in
 * sodium_ready whether it worked. */
static void sodium_setup(void)
{
	if (sodium_init() >= 0) {
		sodium_ready = 1;
	}
}

/* pthread_once body: make dummy_hash, the argon2id hash (the parameters of
 * real ones) of a random password nobody knows, which an unknown name is
 * verified against so that it costs what a real account does.  Left empty
 * when libsodium cannot hash (out of memory): a verification against it then
 * fails at once, which loses only the equal timing. */
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

/* 0 when libsodium is initialised (done here, once), else HD_EIO: nothing
 * may be hashed or verified without it. */
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

/* hd_token_equal: see hd.h.  An empty or NULL string equals nothing; only
 * the length can be learnt from the time taken (sodium_memcmp). */
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

/* hd_csrf_ok: see hd.h.  No session, or one without a token, accepts
 * nothing. */
int hd_csrf_ok(const struct hd_session *s, const char *sent)
{
	return s != NULL && s->csrf[0] != '\0' && hd_token_equal(s->csrf,
		sent);
}

/* ------------------------------------------------------- form tokens */

static pthread_once_t form_key_once = PTHREAD_ONCE_INIT;
/* The key of the form tokens' MACs, random, for this process only. */
static unsigned char form_key[crypto_auth_hmacsha256_KEYBYTES];

/* pthread_once body: make form_key (libsodium's randombytes_buf). */
static void form_key_setup(void)
{
	pthread_once(&sodium_once, sodium_setup);
	assert(sodium_ready);
	crypto_auth_hmacsha256_keygen(form_key);
}

/* The HMAC-SHA-256 of a form token, over purpose, bind (each ended by
 * its NUL, so no two pairs run together alike) and body
 * ("ISSUED.NONCE"), as 64 hex digits into out. */
static void form_mac(const char *purpose, const char *bind,
	const char *body, char out[65])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];

	pthread_once(&form_key_once, form_key_setup);
	crypto_auth_hmacsha256_init(&st, form_key, sizeof form_key);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)purpose,
		strlen(purpose) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)bind,
		strlen(bind) + 1);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body,
		strlen(body));
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(out, 65, mac, sizeof mac);
	sodium_memzero(&st, sizeof st);
}

/* hd_form_token: see hd_visit.h.  The nonce is 16 bytes of
 * randombytes_buf; a NULL bind is "". */
void hd_form_token(const char *purpose, const char *bind, int64_t now,
	char out[HD_FORM_TOKEN_SIZE])
{
	unsigned char raw[16];
	char nonce[33], body[54], mac[65];      /* 20 digits, '.', 32 */

	pthread_once(&sodium_once, sodium_setup);
	assert(sodium_ready);
	randombytes_buf(raw, sizeof raw);
	sodium_bin2hex(nonce, sizeof nonce, raw, sizeof raw);
	snprintf(body, sizeof body, "%lld.%s", (long long)now, nonce);
	form_mac(purpose, bind ? bind : "", body, mac);
	snprintf(out, HD_FORM_TOKEN_SIZE, "%s.%s", body, mac);
}

/* hd_form_token_check: see hd_visit.h.  The MAC is compared in constant
 * time (hd_token_equal) before the time it carries is believed. */
int hd_form_token_check(const char *purpose, const char *bind,
	const char *token, int64_t now, int max_age, char nonce[33])
{
	const char *dot = token ? strrchr(token, '.') : NULL;
	char body[64], mac[65];
	long long t;
	int n = 0;

	nonce[0] = '\0';
	if (dot == NULL || (size_t)(dot - token) >= sizeof body) {
		return 0;
	}
	memcpy(body, token, (size_t)(dot - token));
	body[dot - token] = '\0';
	if (sscanf(body, "%lld.%n", &t, &n) != 1 || n == 0 ||
	    strlen(body + n) != 32 ||
	    strspn(body + n, "0123456789abcdef") != 32) {
		return 0;
	}
	form_mac(purpose, bind ? bind : "", body, mac);
	if (!hd_token_equal(mac, dot + 1) || t > now || now - t > max_age) {
		return 0;
	}
	memcpy(nonce, body + n, 33);
	return 1;
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

/* hd_role_code: see hd.h. */
const char *hd_role_code(const char *s)
{
	return hd_code_of(role_names, s, 1);
}

/* The Chinese name of role code (管理员, 档案员, 审核人), or NULL for an
 * unknown one. */
const char *hd_role_name(const char *code)
{
	return hd_name_of(role_names, code);
}

/* hd_role_can: see hd.h.  An unknown or NULL role can do nothing. */
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

/* 0 when name is an account name (name_ok), else HD_EINVAL with the rule in
 * Chinese. */
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

/* pw checked (check_password, for account name) and hashed into out,
 * before any transaction: hashing takes a while, and the write lock is
 * not held for it.  0, HD_EINVAL or HD_EIO. */
static int password_hash(const char *name, const char *pw,
	char out[crypto_pwhash_STRBYTES], struct hd_error *e)
{
	int rc = check_password(name, pw, e);

	if (rc == 0) {
		rc = crypto_ready(e);
	}
	if (rc == 0) {
		rc = hash_password(pw, out, e);
	}
	return rc;
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

/* The account in the current row of SQL_USER_GET or SQL_USER_LIST (columns
 * id, name, role, hash, disabled, created, last login) into *u, zeroed
 * first; the hash is not copied. */
static void user_from_row(sqlite3_stmt *st, struct hd_user *u)
{
	memset(u, 0, sizeof *u);
	u->id = sqlite3_column_int64(st, 0);
	hd_col_copy(st, 1, u->name, sizeof u->name);
	hd_col_copy(st, 2, u->role, sizeof u->role);
	u->disabled = sqlite3_column_int(st, 4);
	hd_col_copy(st, 5, u->created, sizeof u->created);
	hd_col_copy(st, 6, u->last_login, sizeof u->last_login);
}

/* Look name up; hash (crypto_pwhash_STRBYTES, may be NULL) receives its
 * password hash.  1 found, 0 not, negative on error. */
static int user_lookup(struct hd_archive *a, const char *name,
	struct hd_user *u, char *hash, struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql_bind(a, SQL_USER_GET, e, "t", name);
	int rc = hd_sql_step(a, st, "look up account", e);

	if (rc == 1) {
		user_from_row(st, u);
		if (hash != NULL) {
			snprintf(hash, crypto_pwhash_STRBYTES, "%s",
				(const char *)sqlite3_column_text(st, 3));
		}
		sqlite3_reset(st);
	}
	return rc;
}

/* ---------------------------------------------------------- accounts */

/* hd_user_add: see hd.h.  The password is checked and hashed before the
 * write lock is taken; whether the name is taken is asked inside the
 * transaction. */
int hd_user_add(struct hd_archive *a, const char *name, const char *role,
	const char *password, const struct hd_agent *agent,
	struct hd_error *e)
{
	char hash[crypto_pwhash_STRBYTES], now[32];
	const char *code = hd_role_code(role);
	struct hd_user u;
	int rc;

	rc = check_name(name, e);
	if (rc != 0) {
		return rc;
	}
	if (code == NULL) {
		return hd_err(e, HD_EINVAL, "角色 '%s'：应为 admin、archivist "
			"或 reviewer", role ? role : "");
	}
	rc = password_hash(name, password, hash, e);
	if (rc == 0) {
		rc = hd_tx_begin(a, e);
	}
	if (rc != 0) {
		return rc;
	}
	rc = user_lookup(a, name, &u, NULL, e);
	if (rc > 0) {
		rc = hd_err(e, HD_EEXIST, "账户 '%s' 已存在", name);
	}
	if (rc == 0) {
		hd_now_iso(now);
		rc = hd_sql_run(a, SQL_USER_INSERT, "add account", e, "tttt",
			name, code, hash, now);
	}
	if (rc == 0) {
		rc = account_event(a, "add", name, code, agent, e);
	}
	return hd_tx_end(a, rc, e);
}

/* hd_user_list: see hd.h.  *v is NULL and *n 0 on an error (HD_EDB). */
int hd_user_list(struct hd_archive *a, struct hd_user **v, size_t *n,
	struct hd_error *e)
{
	sqlite3_stmt *st = hd_sql(a, SQL_USER_LIST, e);
	int rc;

	*v = NULL;
	*n = 0;
	while ((rc = hd_sql_step(a, st, "list accounts", e)) == 1) {
		*v = hd_xrealloc(*v, (*n + 1) * sizeof **v);
		user_from_row(st, &(*v)[(*n)++]);
	}
	if (rc != 0) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	return rc;
}

/* hd_user_get: see hd.h.  HD_EDB when the catalogue cannot be read. */
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

/* End every session of account user (its id), inside the caller's
 * transaction.  0 or HD_EDB. */
static int end_sessions(struct hd_archive *a, int64_t user,
	struct hd_error *e)
{
	return hd_sql_run(a, SQL_SESSION_DELETE_USER, "end sessions", e, "l",
		user);
}

/* hd_user_disable: see hd.h.  Disabling an account already disabled writes
 * the same row and event again. */
int hd_user_disable(struct hd_archive *a, const char *name, int disabled,
	const struct hd_agent *agent, struct hd_error *e)
{
	struct hd_user u;
	int rc;

	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = hd_user_get(a, name, &u, e);
	if (rc == 0) {
		rc = hd_sql_run(a, SQL_USER_SET_DISABLED, "disable account", e,
			"li", u.id, disabled ? 1 : 0);
	}
	if (rc == 0 && disabled) {
		rc = end_sessions(a, u.id, e);
	}
	if (rc == 0) {
		rc = account_event(a, disabled ? "disable" : "enable", u.name,
			NULL, agent, e);
	}
	return hd_tx_end(a, rc, e);
}

/* hd_user_passwd: see hd.h.  The password is checked and hashed before the
 * write lock is taken, and the account looked up again inside the
 * transaction. */
int hd_user_passwd(struct hd_archive *a, const char *name,
	const char *password, const struct hd_agent *agent,
	struct hd_error *e)
{
	char hash[crypto_pwhash_STRBYTES];
	struct hd_user u;
	int rc;

	rc = hd_user_get(a, name, &u, e);
	if (rc == 0) {
		rc = password_hash(name, password, hash, e);
	}
	if (rc == 0) {
		rc = hd_tx_begin(a, e);
	}
	if (rc != 0) {
		return rc;
	}
	/* again inside the transaction: it may have gone meanwhile */
	rc = hd_user_get(a, name, &u, e);
	if (rc == 0) {
		rc = hd_sql_run(a, SQL_USER_SET_HASH, "set password", e, "lt",
			u.id, hash);
	}
	if (rc == 0) {
		rc = end_sessions(a, u.id, e);
	}
	if (rc == 0) {
		rc = hd_sql_run(a, SQL_LOGIN_FORGET_NAME, "forget failures", e,
			"t", u.name);
	}
	if (rc == 0) {
		rc = account_event(a, "passwd", u.name, NULL, agent, e);
	}
	return hd_tx_end(a, rc, e);
}

/* ---------------------------------------------------------- sessions */

/* hd_login_policy_default: see hd.h: 30 minutes idle, 12 hours in all;
 * 5 failures of a name from one address, or 20 from one address, within
 * 15 minutes lock for 15 minutes; from 5 failures of a name within 15
 * minutes, from any addresses, its next attempt waits 2 s, twice as long
 * after each further failure, up to a minute. */
void hd_login_policy_default(struct hd_login_policy *p)
{
	p->idle = 30 * 60;
	p->max = 12 * 3600;
	p->fails = 5;
	p->fails_remote = 20;
	p->window = 15 * 60;
	p->lock = 15 * 60;
	p->slow = 2;
	p->slow_max = 60;
}

/* *yes becomes the seconds from now until the lock ends (at least 1)
 * when the failures statement which counts (name key from address
 * remote, or the address remote) has limit failures close enough
 * together (within window) that the newest is less than lock seconds
 * ago, else 0.  Failures before the last success they are counted from
 * do not count.  Returns 0, or HD_EDB: a limit that cannot be read never
 * lets a login through. */
static int locked(struct hd_archive *a, enum hd_sql which, const char *key,
	const char *remote, int limit, const struct hd_login_policy *p,
	int64_t now, int64_t *yes, struct hd_error *e)
{
	sqlite3_stmt *st;
	int64_t newest = 0, oldest = 0;
	int n = 0, rc;

	*yes = 0;
	if (limit <= 0) {
		return 0;
	}
	st = hd_sql_bind(a, which, e, "ttli", key, remote,
		now - p->window - p->lock, limit);
	while ((rc = hd_sql_step(a, st, "count failed logins", e)) == 1) {
		oldest = sqlite3_column_int64(st, 0);
		if (n == 0) {
			newest = oldest;
		}
		n++;
	}
	if (rc != 0) {
		return rc;
	}
	*yes = n >= limit && newest - oldest <= p->window &&
		now < newest + p->lock ? newest + p->lock - now : 0;
	return 0;
}

/* *yes becomes the seconds until the lock ends when the name key is
 * locked from the address remote, or the address itself (locked()),
 * else 0.  Returns 0 or HD_EDB. */
static int is_locked(struct hd_archive *a, const char *key,
	const char *remote, const struct hd_login_policy *p, int64_t now,
	int64_t *yes, struct hd_error *e)
{
	int rc;

	rc = locked(a, SQL_LOGIN_FAILS_PAIR, key, remote, p->fails, p, now,
		yes, e);
	if (rc == 0 && !*yes) {
		rc = locked(a, SQL_LOGIN_FAILS_REMOTE, key, remote,
			p->fails_remote, p, now, yes, e);
	}
	return rc;
}

/* HD_ELIMIT with the message a locked name or address gets: how long the
 * lock still lasts (wait seconds), in whole minutes rounded up; e->retry
 * is wait. */
static int locked_err(int64_t wait, struct hd_error *e)
{
	hd_err(e, HD_ELIMIT, "账户已暂时锁定，请 %lld 分钟后再试",
		(long long)(wait + 59) / 60);
	if (e != NULL) {
		e->retry = wait;
	}
	return HD_ELIMIT;
}

/* *wait becomes the seconds name key must wait at now before it may be
 * tried again from anywhere: none until it has p->fails failures within
 * p->window since its last success, then p->slow after the newest,
 * doubled for each failure past p->fails, p->slow_max at most.  Returns
 * 0 or HD_EDB. */
static int throttle(struct hd_archive *a, const char *key,
	const struct hd_login_policy *p, int64_t now, int64_t *wait,
	struct hd_error *e)
{
	sqlite3_stmt *st;
	int64_t newest = 0, w;
	int n = 0, rc;

	*wait = 0;
	if (p->fails <= 0 || p->slow <= 0) {
		return 0;
	}
	st = hd_sql_bind(a, SQL_LOGIN_FAILS_NAME, e, "t-li", key,
		now - p->window, p->fails + 16);
	while ((rc = hd_sql_step(a, st, "count failed logins", e)) == 1) {
		if (n++ == 0) {
			newest = sqlite3_column_int64(st, 0);
		}
	}
	if (rc != 0 || n < p->fails) {
		return rc;
	}
	w = (int64_t)p->slow << (n - p->fails);
	w = w < p->slow_max ? w : p->slow_max;
	*wait = newest + w > now ? newest + w - now : 0;
	return 0;
}

/* Note a login attempt on name key from address remote at now (Unix
 * seconds) as a failure, which login_finish makes a success, after
 * dropping the attempts older than ATTEMPTS_KEEP; inside the caller's
 * transaction.  0 or HD_EDB. */
static int attempt_add(struct hd_archive *a, const char *key,
	const char *remote, int64_t now, struct hd_error *e)
{
	int rc = hd_sql_run(a, SQL_LOGIN_PURGE, "purge attempts", e, "l",
		now - ATTEMPTS_KEEP);

	if (rc == 0) {
		rc = hd_sql_run(a, SQL_LOGIN_INSERT, "record attempt", e,
			"ltti", now, key, remote, 0);
	}
	return rc;
}

/* Delete the sessions idle past p->idle or older than p->max seconds at
 * now (Unix seconds), inside the caller's transaction.  0 or HD_EDB. */
static int purge_sessions(struct hd_archive *a,
	const struct hd_login_policy *p, int64_t now, struct hd_error *e)
{
	return hd_sql_run(a, SQL_SESSION_PURGE, "purge sessions", e, "ll",
		now - p->idle, now - p->max);
}

/* Session *s (zeroed first) of account u with form token csrf, started at
 * created and last seen at seen (Unix seconds); its agent is "web:NAME", the
 * name the web desk's events carry. */
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
	json_t *o;
	char *detail;
	int rc;

	hd_random_hex(token);
	hd_random_hex(csrf);
	hd_sha256_hex(token, 64, idhash);
	rc = hd_sql_run(a, SQL_SESSION_INSERT, "start session", e, "tltlt",
		idhash, u->id, csrf, now, remote);
	if (rc != 0) {
		return rc;
	}
	hd_now_iso(at);
	rc = hd_sql_run(a, SQL_USER_SET_LOGIN, "note login", e, "lt", u->id,
		at);
	if (rc != 0) {
		return rc;
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

/*
 * The first step of a login, in one transaction under the write lock:
 * refused (HD_ELIMIT, nothing noted) while key is locked from remote,
 * remote is locked, or key must wait (throttle); else the attempt is
 * noted as a failure, before the password is verified, and the account
 * (*found, *u) and its hash read.  A guess made at the same moment as
 * others thus finds every one of theirs counted: no more failures can
 * be verified than the limits allow.  *attempt receives the attempt's
 * id.
 */
static int login_enter(struct hd_archive *a, const char *key,
	const char *remote, const struct hd_login_policy *p, int64_t *attempt,
	int *found, struct hd_user *u, char hash[crypto_pwhash_STRBYTES],
	struct hd_error *e)
{
	int64_t now, wait, lock;
	int rc;

	*found = 0;
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	now = hd_now_s();
	rc = is_locked(a, key, remote, p, now, &lock, e);
	if (rc == 0 && lock) {
		rc = locked_err(lock, e);
	}
	if (rc == 0) {
		rc = throttle(a, key, p, now, &wait, e);
	}
	if (rc == 0 && wait > 0) {
		rc = hd_err(e, HD_ELIMIT, "这个账户刚有多次登录失败，请 %lld "
			"秒后再试", (long long)wait);
		if (e != NULL) {
			e->retry = wait;
		}
	}
	if (rc == 0 && key[0] != '\0') {
		*found = user_lookup(a, key, u, hash, e);
		rc = *found < 0 ? *found : 0;
	}
	if (rc == 0) {
		rc = attempt_add(a, key, remote, now, e);
		*attempt = sqlite3_last_insert_rowid(a->db);
	}
	if (rc == 0) {
		rc = purge_sessions(a, p, now, e);
	}
	return hd_tx_end(a, rc, e);
}

/* The last step of a login whose password verified against hash, in one
 * transaction: when the account is still there, enabled and has that
 * hash, its attempt (id attempt) becomes a success and a session starts
 * (session_start); *good becomes 0 when it changed meanwhile. */
static int login_finish(struct hd_archive *a, const char *key,
	const char *hash, int64_t attempt, const char *remote, char token[65],
	struct hd_session *s, int *good, struct hd_error *e)
{
	char now_hash[crypto_pwhash_STRBYTES];
	struct hd_user u;
	int rc;

	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	rc = user_lookup(a, key, &u, now_hash, e);
	*good = rc == 1 && !u.disabled && strcmp(now_hash, hash) == 0;
	rc = rc < 0 ? rc : 0;
	sodium_memzero(now_hash, sizeof now_hash);
	if (rc == 0 && *good) {
		rc = hd_sql_run(a, SQL_LOGIN_SET_OK, "note login", e, "l",
			attempt);
	}
	if (rc == 0 && *good) {
		rc = session_start(a, &u, remote, hd_now_s(), token, s, e);
	}
	return hd_tx_end(a, rc, e);
}

/* hd_login: see hd.h.  Two short transactions with the verification
 * between them (login_enter, then login_finish when it succeeded): an
 * argon2id verification takes a quarter of a second here, and the write
 * lock is not held for it.  A limit that cannot be read is HD_EDB, never
 * a login.  Allocates nothing that outlives it. */
int hd_login(struct hd_archive *a, const char *name, const char *password,
	const char *remote, const struct hd_login_policy *p, char token[65],
	struct hd_session *s, struct hd_error *e)
{
	char hash[crypto_pwhash_STRBYTES];
	const char *key = name_ok(name) ? name : "";
	const char *pw = password ? password : "";
	struct hd_user u;
	int64_t attempt = 0, lock;
	int found = 0, good, rc;

	token[0] = '\0';
	memset(s, 0, sizeof *s);
	memset(&u, 0, sizeof u);
	hash[0] = '\0';
	remote = remote ? remote : "";
	rc = crypto_ready(e);
	if (rc != 0) {
		return rc;
	}
	pthread_once(&dummy_once, dummy_setup);
	rc = login_enter(a, key, remote, p, &attempt, &found, &u, hash, e);
	if (rc != 0) {
		return rc;
	}
	/* the same work on every path: one argon2id verification */
	good = crypto_pwhash_str_verify(found ? hash : dummy_hash, pw,
		strlen(pw)) == 0;
	good = good && found && !u.disabled && strlen(pw) <= HD_PASSWORD_MAX;
	if (good) {
		rc = login_finish(a, key, hash, attempt, remote, token, s,
			&good, e);
	}
	sodium_memzero(hash, sizeof hash);
	if (rc != 0) {
		token[0] = '\0';
		memset(s, 0, sizeof *s);
		return rc;
	}
	if (good) {
		return 0;
	}
	rc = is_locked(a, key, remote, p, hd_now_s(), &lock, e);
	if (rc != 0) {
		return rc;
	}
	if (lock) {
		return locked_err(lock, e);
	}
	return hd_err(e, HD_EDENIED, "用户名或密码不正确");
}

/* End the session whose token hashes to idhash (SHA-256, hex), inside
 * the caller's transaction.  0 or HD_EDB. */
static int session_delete(struct hd_archive *a, const char *idhash,
	struct hd_error *e)
{
	return hd_sql_run(a, SQL_SESSION_DELETE, "end session", e, "t",
		idhash);
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
		rc = hd_sql_run(a, SQL_SESSION_TOUCH, "touch session", e,
			"tl", idhash, now);
	}
	return hd_tx_end(a, rc, e);
}

/* hd_session_check: see hd.h.  The session is read without the write
 * lock (see session_write); *s is zeroed on every error. */
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
	if (!hd_sha_ok(token)) {
		return hd_err(e, HD_ENOTFOUND, "未登录");
	}
	hd_sha256_hex(token, 64, idhash);
	st = hd_sql_bind(a, SQL_SESSION_GET, e, "t", idhash);
	rc = hd_sql_step(a, st, "find session", e);
	if (rc != 1) {
		return rc == 0 ? hd_err(e, HD_ENOTFOUND, "未登录") : rc;
	}
	memset(&u, 0, sizeof u);
	u.id = sqlite3_column_int64(st, 0);
	hd_col_copy(st, 1, u.name, sizeof u.name);
	hd_col_copy(st, 2, u.role, sizeof u.role);
	disabled = sqlite3_column_int(st, 3);
	hd_col_copy(st, 4, csrf, sizeof csrf);
	created = sqlite3_column_int64(st, 5);
	seen = sqlite3_column_int64(st, 6);
	sqlite3_reset(st);
	rc = 0;
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

/* hd_logout: see hd.h.  A malformed token is 0 and touches nothing. */
int hd_logout(struct hd_archive *a, const char *token, struct hd_error *e)
{
	struct hd_agent agent;
	char idhash[65], who[HD_USER_MAX + 8];
	sqlite3_stmt *st;
	int rc;

	if (!hd_sha_ok(token)) {
		return 0;
	}
	hd_sha256_hex(token, 64, idhash);
	rc = hd_tx_begin(a, e);
	if (rc != 0) {
		return rc;
	}
	st = hd_sql_bind(a, SQL_SESSION_GET, e, "t", idhash);
	if (st == NULL) {
		return hd_tx_end(a, HD_EDB, e);
	}
	/* no session (or none that can be read): nothing to end */
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
	return hd_tx_end(a, rc, e);
}
