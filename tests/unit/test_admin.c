/*
 * test_admin.c - table-driven tests of the pure parts of accounts and
 * the admin pages: what each role may do, role and purpose names, the
 * constant-time token comparison and the reading of cookies from a
 * request (http_cookie_token, which the admin pages and the booking form
 * share).  Each row carries the reason it exists, printed when it fails.
 */
#include "../../archive/hd.h"
#include "../../exhibit/admin.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *role;
	enum hd_perm perm;
	int can;
	const char *why;
} perms[] = {
	{"admin", HD_PERM_USERS, 1, "only the admin manages accounts"},
	{"archivist", HD_PERM_USERS, 0, "an archivist manages no accounts"},
	{"reviewer", HD_PERM_USERS, 0, "a reviewer manages no accounts"},
	{"reviewer", HD_PERM_DECIDE, 1, "reviewers approve and return"},
	{"archivist", HD_PERM_DECIDE, 0, "an archivist never approves"},
	{"admin", HD_PERM_DECIDE, 1, "the admin may do everything"},
	{"archivist", HD_PERM_EDIT, 1, "archivists edit and resubmit"},
	{"reviewer", HD_PERM_EDIT, 0, "a reviewer does not edit what it "
		"judges"},
	{"archivist", HD_PERM_CONSULT_ASK, 1, "archivists file requests"},
	{"reviewer", HD_PERM_CONSULT_ASK, 0, "reviewers decide, not file"},
	{"reviewer", HD_PERM_CONSULT_DECIDE, 1, "reviewers decide requests"},
	{"archivist", HD_PERM_CONSULT_DECIDE, 0, "an archivist never "
		"approves a consultation"},
	{"archivist", HD_PERM_AUDIT, 1, "archivists read the audit log"},
	{"reviewer", HD_PERM_AUDIT, 0, "reviewers do not"},
	{"reviewer", HD_PERM_STAFF, 1, "every role sees the admin pages"},
	{"archivist", HD_PERM_STAFF, 1, "every role sees the admin pages"},
	{"Admin", HD_PERM_STAFF, 0, "roles are codes, case matters"},
	{"", HD_PERM_STAFF, 0, "no role, no page"},
	{"root", HD_PERM_USERS, 0, "an unknown role grants nothing"},
};

static const struct {
	const char *cookie;
	const char *name;
	const char *want;       /* "" when nothing may be read */
	const char *why;
} cookies[] = {
	{"hd_session=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef", "hd_session",
		"0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef", "the cookie alone"},
	{"hd_csrf=aa; hd_session=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef; x=1", "hd_session",
		"0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef", "among others"},
	{"xhd_session=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef", "hd_session", "",
		"a longer name that ends like ours is not ours"},
	{"hd_session=" "0123456789ABCDEF0123456789abcdef"
		"0123456789abcdef0123456789abcdef", "hd_session", "",
		"upper-case hex is not what we hand out"},
	{"hd_session=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcde", "hd_session", "",
		"63 digits"},
	{"hd_session=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef0", "hd_session", "",
		"65 digits"},
	{"hd_session=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdeg", "hd_session", "",
		"not hex"},
	{"hd_session=", "hd_session", "", "empty (a cleared cookie)"},
	{"hd_login=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef", "hd_session", "",
		"another cookie's value"},
	{"hd_session=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef x", "hd_session", "",
		"a value with more after a blank is another value (found by "
		"fuzz_http)"},
	{"hd_session=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef \t; x=1", "hd_session",
		"0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef",
		"blanks before the next ';' are not part of the value"},
	{"a=b hd_csrf=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef", "hd_csrf", "",
		"a name inside another cookie's value is no cookie (the "
		"booking form read it; found by fuzz_http)"},
	{"hd_csrf=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdefzz", "hd_csrf", "",
		"the booking form took the 64 digits before other letters"},
	{"xhd_csrf=1; hd_csrf=" "0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef", "hd_csrf",
		"0123456789abcdef0123456789abcdef"
		"0123456789abcdef0123456789abcdef",
		"a cookie whose name ends like ours does not hide ours (the "
		"booking form gave up at the first)"},
	{NULL, "hd_session", "", "no Cookie header"},
};

static const struct {
	const char *a, *b;
	int equal;
	const char *why;
} tokens[] = {
	{"abcd", "abcd", 1, "equal"},
	{"abcd", "abce", 0, "last byte differs"},
	{"abcd", "abc", 0, "a prefix is not the token"},
	{"", "", 0, "an empty token never matches"},
	{"abcd", NULL, 0, "a missing field never matches"},
};

int main(void)
{
	struct http_req req;
	char name[96], out[65];
	size_t i;

	for (i = 0; i < sizeof perms / sizeof perms[0]; i++) {
		snprintf(name, sizeof name, "perm-%zu-%s-%d", i,
			perms[i].role, (int)perms[i].perm);
		check(name, hd_role_can(perms[i].role, perms[i].perm) ==
			perms[i].can, "%s (got %s)", perms[i].why,
			perms[i].can ? "refused" : "allowed");
	}
	check("role-chinese", hd_role_code("审核人") != NULL &&
		strcmp(hd_role_code("审核人"), "reviewer") == 0,
		"roles may be given in Chinese (got %s)", "other");
	check("role-unknown", hd_role_code("boss") == NULL,
		"an unknown role is refused (got %s)", "a code");
	check("purpose-chinese", hd_purpose_code("编史修志") != NULL &&
		strcmp(hd_purpose_code("编史修志"), "history") == 0,
		"purposes may be given in Chinese (got %s)", "other");
	check("purpose-unknown", hd_purpose_code("fun") == NULL,
		"statistics need a known purpose (got %s)", "a code");
	check("kind-names", hd_consult_kind_name("copy") != NULL &&
		hd_consult_kind_name("steal") == NULL,
		"three kinds of use only (got %s)", "other");
	for (i = 0; i < sizeof cookies / sizeof cookies[0]; i++) {
		memset(&req, 0, sizeof req);
		req.cookie = cookies[i].cookie;
		admin_cookie_get(&req, cookies[i].name, out);
		snprintf(name, sizeof name, "cookie-%zu", i);
		check(name, strcmp(out, cookies[i].want) == 0, "%s (got %s)",
			cookies[i].why,
			out);
	}
	for (i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
		snprintf(name, sizeof name, "token-%zu", i);
		check(name, hd_token_equal(tokens[i].a, tokens[i].b) ==
			tokens[i].equal, "%s (got %s)", tokens[i].why,
			tokens[i].equal ? "different" : "equal");
	}
	hd_random_hex(out);
	check("random-hex", strlen(out) == 64 &&
		strspn(out, "0123456789abcdef") == 64,
		"a token is 64 lower-case hex digits (got %s)", out);
	return check_done();
}
