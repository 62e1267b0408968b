/*
 * test_visit.c - table-driven tests of what bookings compare and check
 * without a catalogue: text tidied for keeping and comparing
 * (hd_text_tidy), a slot begun at a time (hd_visit_past, China time),
 * the kiosks' address list (hd_visit_kiosks) and the visitors' form
 * tokens (hd_form_token, hd_form_token_check).  Each row carries the
 * reason it exists, printed when it fails.
 */
#include "../../archive/hd.h"
#include "../../archive/internal.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *in;
	enum hd_tidy form;
	const char *out;        /* NULL: refused */
	const char *why;
} tidy[] = {
	{"市桥二中", HD_TIDY_NFC, "市桥二中", "plain text stays"},
	{"市桥二中 ", HD_TIDY_NFC, "市桥二中", "a trailing space"},
	{"市桥二中\u200b", HD_TIDY_NFC, "市桥二中", "a trailing U+200B"},
	{"市桥\u200b二中", HD_TIDY_NFC, "市桥二中", "U+200B inside"},
	{"\ufeff市桥二中\u2060", HD_TIDY_NFC, "市桥二中",
		"a BOM and a word joiner"},
	{"\u3000市桥  二中\t\n", HD_TIDY_NFC, "市桥 二中",
		"ideographic space, a run inside, tab and newline"},
	{"初二\u00a0（3）班", HD_TIDY_NFC, "初二 （3）班",
		"no-break space; full-width brackets kept for showing"},
	{" \u200b ", HD_TIDY_NFC, "", "nothing but blanks"},
	{"e\u0301", HD_TIDY_NFC, "\u00e9", "NFC composes"},
	{"０２０ ８８８８", HD_TIDY_NFKC, "020 8888",
		"full-width digits made plain for a phone number"},
	{"初二（3）班", HD_TIDY_KEY, "初二(3)班",
		"the key: full-width brackets are brackets"},
	{"Ｂａｙ  School", HD_TIDY_KEY, "bay school",
		"the key: full-width letters, case and spaces"},
	{"Li@Example.ORG", HD_TIDY_KEY, "li@example.org", "an e-mail's key"},
	{"\xff\xfe", HD_TIDY_NFC, NULL, "not UTF-8"},
};

/* The times are Unix seconds: 1796659200 is 2026-12-08 00:00 in China
 * (2026-12-07 16:00 UTC). */
#define DAY0 1796659200LL
static const struct {
	const char *day, *slot;
	long long now;
	int past;
	const char *why;
} past[] = {
	{"2026-12-08", "09:00", DAY0 + 9 * 3600 - 1, 0, "a second before"},
	{"2026-12-08", "09:00", DAY0 + 9 * 3600, 1, "at its start"},
	{"2026-12-08", "09:00", DAY0 + 15 * 3600 + 1800, 1, "hours after"},
	{"2026-12-08", "16:00", DAY0 + 15 * 3600 + 1800, 0, "later today"},
	{"2026-12-07", "20:00", DAY0 + 60, 1, "yesterday, just past midnight"},
	{"2026-12-09", "09:00", DAY0 + 23 * 3600 + 3599, 0, "tomorrow"},
	{"2026-12-08", "16:00", DAY0 + 17 * 3600 + 60, 1,
		"09:01 UTC is 17:01 in China: 16:00 has begun"},
};

static const struct {
	const char *spec;
	int ok;
	const char *why;
} kiosks[] = {
	{"", 1, "none"},
	{"192.168.1.21", 1, "one address"},
	{"192.168.1.21,192.168.1.22", 1, "commas"},
	{" 192.168.1.21 , ::1\t10.0.0.1 ", 1, "spaces, a comma, IPv6"},
	{"192.168.1.300", 0, "an octet over 255"},
	{"192.168.1.0/24", 0, "a network is not an address"},
	{"kiosk.local", 0, "a name is not an address"},
};

int main(void)
{
	char name[64], tok[HD_FORM_TOKEN_SIZE], nonce[33], nonce2[33];
	struct hd_error e;
	size_t i;
	char *out;
	int got;

	for (i = 0; i < sizeof tidy / sizeof tidy[0]; i++) {
		snprintf(name, sizeof name, "tidy-%zu", i);
		out = hd_text_tidy(tidy[i].in, tidy[i].form);
		check(name, tidy[i].out == NULL ? out == NULL :
			out != NULL && strcmp(out, tidy[i].out) == 0,
			"%s: got '%s'", tidy[i].why, out ? out : "(null)");
		free(out);
	}
	for (i = 0; i < sizeof past / sizeof past[0]; i++) {
		snprintf(name, sizeof name, "past-%zu", i);
		got = hd_visit_past(past[i].day, past[i].slot, past[i].now);
		check(name, got == past[i].past, "%s %s at %lld, %s: got %d",
			past[i].day, past[i].slot, past[i].now, past[i].why,
			got);
	}
	for (i = 0; i < sizeof kiosks / sizeof kiosks[0]; i++) {
		snprintf(name, sizeof name, "kiosks-%zu", i);
		hd_err_clear(&e);
		got = hd_visit_kiosks(kiosks[i].spec, &e) == 0;
		check(name, got == kiosks[i].ok, "'%s', %s: got %d (%s)",
			kiosks[i].spec, kiosks[i].why, got, e.msg);
	}

	/* form tokens: good for their purpose and bind, for max_age */
	hd_form_token("visit", "cookie-a", 1000, tok);
	check("token-good", hd_form_token_check("visit", "cookie-a", tok,
		1000, 3600, nonce) && strlen(nonce) == 32, "%s", tok);
	check("token-age-limit", hd_form_token_check("visit", "cookie-a",
		tok, 4600, 3600, nonce2) && strcmp(nonce, nonce2) == 0,
		"good at exactly max_age, the same nonce");
	check("token-too-old", !hd_form_token_check("visit", "cookie-a", tok,
		4601, 3600, nonce2) && nonce2[0] == '\0', "a second too old");
	check("token-from-future", !hd_form_token_check("visit", "cookie-a",
		tok, 999, 3600, nonce2), "made after now");
	check("token-other-bind", !hd_form_token_check("visit", "cookie-b",
		tok, 1000, 3600, nonce2), "another visitor's cookie");
	check("token-other-purpose", !hd_form_token_check("other",
		"cookie-a", tok, 1000, 3600, nonce2), "another form");
	tok[strlen(tok) - 1] ^= 1;
	check("token-forged-mac", !hd_form_token_check("visit", "cookie-a",
		tok, 1000, 3600, nonce2), "one bit of the MAC changed");
	hd_form_token("visit", "cookie-a", 1000, tok);
	tok[1] = tok[1] == '9' ? '8' : '9';
	check("token-forged-time", !hd_form_token_check("visit", "cookie-a",
		tok, 1000, 3600, nonce2), "the time changed: %s", tok);
	check("token-empty", !hd_form_token_check("visit", "cookie-a", "",
		1000, 3600, nonce2) && !hd_form_token_check("visit",
		"cookie-a", NULL, 1000, 3600, nonce2), "empty and NULL");
	hd_form_token("visit", "cookie-a", 1000, tok);
	hd_form_token_check("visit", "cookie-a", tok, 1000, 3600, nonce);
	hd_form_token("visit", "cookie-a", 1000, tok);
	hd_form_token_check("visit", "cookie-a", tok, 1000, 3600, nonce2);
	check("token-nonces-differ", strcmp(nonce, nonce2) != 0,
		"two tokens of one second: %s %s", nonce, nonce2);
	return check_done();
}
