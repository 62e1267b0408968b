/*
 * test_oai.c - hd_oai_email_valid against the OAI-PMH schema's emailType,
 * \S+@(\S+\.)+\S+ (XML Schema's \S: anything but space, tab, CR and LF;
 * the pattern is anchored at both ends).  Each row says why it is there.
 */
#include "../../archive/hd.h"
#include "check.h"

#include <stddef.h>

static const struct {
	const char *in;
	int want;
	const char *why;
} rows[] = {
	{"archive@localhost.localdomain", 1, "the default must be valid"},
	{"dangan@qianfeng.example.cn", 1, "an ordinary address"},
	{"a@b.c", 1, "one character each side is enough"},
	{"档案室@前锋社区.中国", 1, "\\S takes any character, Han too"},
	{"a@.x.cn", 1, "(\\S+\\.) may begin with a dot: '.x.'"},
	{"a@b@c.d", 1, "\\S takes @ too: 'a' @ 'b@c.d'"},
	{"@a@b.c", 1, "'@a' before the second @"},
	{"archive@localhost", 0, "no dot after the @ (the old default)"},
	{"a@b.", 0, "nothing after the last dot"},
	{"a@.b", 0, "nothing between the @ and the dot"},
	{"@b.c", 0, "nothing before the @"},
	{"no-at.example.cn", 0, "no @"},
	{"a b@c.d", 0, "a space"},
	{"a@c.d\n", 0, "a line break"},
	{"a\t@c.d", 0, "a tab"},
	{"a\x01@c.d", 0, "a control character XML 1.0 cannot carry"},
	{"a\xff@c.d", 0, "not UTF-8"},
	{"", 0, "empty"},
};

/* Run every row; exit 1 when one fails. */
int main(void)
{
	size_t i;
	int got;

	for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		got = hd_oai_email_valid(rows[i].in);
		check(rows[i].why, got == rows[i].want, "'%s': got %d, want "
			"%d", rows[i].in, got, rows[i].want);
	}
	check("NULL is not an address", hd_oai_email_valid(NULL) == 0,
		"NULL accepted");
	return check_done();
}
