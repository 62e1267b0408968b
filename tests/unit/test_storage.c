/*
 * test_storage.c - the pure parts of the storage room as data: location
 * paths (hd_location_canon) and times typed by a person (hd_time_parse).
 * Each row carries the reason it exists, printed on failure.  Then the
 * fixity audit on a scratch archive: a damaged object is named with its
 * record in the "fixity" event, and hd_fixity_due follows the event.
 */
#include "../../archive/hd.h"
#include "check.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


struct row {
	const char *in;
	const char *want;       /* NULL: must be refused */
	const char *why;
};

static const struct row locations[] = {
	{"一号库房/01柜/02层/03盒", "一号库房-01柜-02层-03盒",
		"slashes become the sheet's dashes"},
	{"一号库房-01柜-03盒", "一号库房-01柜-03盒",
		"a sheet's 位置 is already canonical"},
	{" 一号库房 / 01柜 ", "一号库房-01柜", "spaces around parts go"},
	{"一号库房／01柜", "一号库房-01柜", "a full-width slash separates"},
	{"一号库房－01柜", "一号库房-01柜", "a full-width hyphen separates"},
	{"二号库房", "二号库房", "a room alone is a location"},
	{"一号库房　/01柜", "一号库房-01柜", "ideographic spaces are trimmed"},
	{"", NULL, "an empty location"},
	{"a//b", NULL, "an empty part"},
	{"a/b/", NULL, "a trailing separator leaves an empty part"},
	{"a/b/c/d/e", NULL, "more than room, cabinet, shelf and box"},
	{"a\tb", NULL, "control characters"},
	{"\xff\xfe", NULL, "not UTF-8"},
	{"0123456789012345678901234567890123456789012345678901234567890",
		NULL, "a part over 60 bytes"},
};

static const struct row times[] = {
	{"2026-11-20 09:30", "2026-11-20T01:30:00.000Z",
		"no zone: China time, eight hours ahead of UTC"},
	{"2026-11-20T09:30:15", "2026-11-20T01:30:15.000Z",
		"seconds and a T"},
	{"2026-11-20", "2026-11-19T16:00:00.000Z",
		"a day alone is its midnight in China"},
	{"2026-11-20T09:30:00Z", "2026-11-20T09:30:00.000Z",
		"Z is UTC"},
	{"2026-11-20T09:30:00.5+08:00", "2026-11-20T01:30:00.500Z",
		"fractions and an explicit zone"},
	{"2026-11-20T09:30:00-0130", "2026-11-20T11:00:00.000Z",
		"a zone west of UTC, without a colon"},
	{"2024-02-29 12:00", "2024-02-29T04:00:00.000Z", "a leap day"},
	{"2026-01-01 03:00", "2025-12-31T19:00:00.000Z",
		"the conversion crosses a year"},
	{"2025-02-29 12:00", NULL, "not a leap year"},
	{"2026-13-01", NULL, "no thirteenth month"},
	{"2026-11-20 24:00", NULL, "no hour 24"},
	{"2026-11-20 9:30", NULL, "hours have two digits"},
	{"yesterday", NULL, "words are not times"},
	{"2026-11-20T09:30:00.Z", NULL, "a dot needs digits"},
	{"2026-11-20T09:30:00+08:00x", NULL, "nothing may follow the zone"},
	{"", NULL, "empty"},
};

/* One row of a canonical-form table: what names the table. */
static void check_row(const char *what, const struct row *r, int rc,
	const char *got)
{
	char name[160];

	snprintf(name, sizeof name, "%s '%s'", what, r->in);
	check(name, r->want == NULL ? rc == HD_EINVAL : rc == 0 &&
		strcmp(got, r->want) == 0, "%s — got rc %d '%s', expected %s",
		r->why, rc, rc == 0 ? got : "",
		r->want ? r->want : "a refusal");
}

/* A scratch archive with one record of one file, whose object is then
 * damaged. */
static void audit(void)
{
	struct hd_agent ag = {"test"};
	struct hd_archive *a = NULL;
	struct hd_record r;
	struct hd_verify v;
	struct hd_objw w, z, *ws[1];
	struct hd_error e;
	struct hd_query q;
	struct hd_results res;
	char dir[] = "/tmp/hdaudit.XXXXXX", at[32], *detail = NULL, *path;
	char *cmd;
	FILE *f;
	int64_t batch;

	memset(&v, 0, sizeof v);
	if (mkdtemp(dir) == NULL || hd_archive_init(dir, "QF01", "测试",
	    &ag, &e) != 0 || hd_archive_open(dir, 0, &a, &e) != 0) {
		check("audit-setup", 0, "cannot make an archive");
		return;
	}
	check("audit-due-at-first", hd_fixity_due(a, 24) == 1,
		"no audit yet must be due");
	hd_record_init(&r);
	hd_objw_open(a, &w, 0, &e);
	hd_objw_write(&w, "page one\n", 9, &e);
	hd_objw_finish(&w, &e);
	r.fonds = hd_xstrdup("QF01");
	r.title = hd_xstrdup("审计用档案");
	r.category = hd_xstrdup("WS");
	r.retention = hd_xstrdup("Y");
	r.access = hd_xstrdup("public");
	r.status = hd_xstrdup("approved");
	r.year = 1985;
	r.files = hd_xcalloc(1, sizeof *r.files);
	r.nfiles = 1;
	r.files[0].name = hd_xstrdup("p1.txt");
	r.files[0].mime = hd_xstrdup("text/plain");
	memcpy(r.files[0].sha256, w.sha256, 65);
	r.files[0].size = 9;
	ws[0] = &w;
	/* an object never opened (zeroed, as a caller allocates it) is
	 * discarded without touching descriptor 0, which is not its own */
	if (fcntl(0, F_GETFD) == -1 && open("/dev/null", O_RDONLY) != 0) {
		check("discard-zeroed-setup", 0, "cannot open descriptor 0");
	}
	memset(&z, 0, sizeof z);
	hd_objw_discard(&z);
	check("discard-zeroed", fcntl(0, F_GETFD) != -1,
		"discarding a zeroed object closed descriptor 0");
	check("flush-needs-tx", hd_tx_flush(a, &e) == HD_EUSAGE,
		"hd_tx_flush outside a transaction must be refused");
	hd_tx_begin(a, &e);
	if (hd_batch_begin(a, "QF01", "test", &ag, &batch, &e) != 0) {
		batch = -1;
	}
	/* the order ingest uses: index rows flushed, objects published,
	 * then the commit */
	if (batch < 0 || hd_record_add(a, batch, &r, &ag, &e) != 0 ||
	    hd_tx_flush(a, &e) != 0 ||
	    hd_store_publish(a, ws, 1, &e) != 0 || hd_tx_commit(a, &e) != 0) {
		check("audit-record", 0, "%s", e.msg);
		goto out;
	}
	memset(&q, 0, sizeof q);
	q.q = "审计";
	check("flushed-rows-searchable", hd_search(a, HD_ARCHIVIST, &q,
		&res, &e) == 0 && res.total == 1,
		"the index rows hd_tx_flush wrote must be committed");
	hd_results_release(&res);
	path = hd_store_path(a, r.files[0].sha256);
	chmod(path, 0644);
	f = fopen(path, "a");
	if (f != NULL) {
		fputs("rot", f);
		fclose(f);
	}
	free(path);
	if (hd_fixity_audit(a, &ag, &v, &e) != 0) {
		check("audit-runs", 0, "%s", e.msg);
		goto out;
	}
	check("audit-finds-damage", v.ndamaged == 1 && v.chain_ok,
		"one damaged object and a sound chain");
	check("audit-event", hd_event_last(a, "fixity", at, &detail,
		NULL) == 0 && detail != NULL &&
		strstr(detail, "damaged 1,") != NULL &&
		strstr(detail, "; damaged QF01-WS·1985·Y-0001 (") != NULL,
		"%s", detail ? detail : "no fixity event");
	check("audit-not-due-after", hd_fixity_due(a, 24) == 0,
		"an audit just ran");
out:
	free(detail);
	hd_verify_release(&v);
	hd_record_release(&r);
	hd_archive_close(a);
	cmd = hd_xasprintf("rm -rf '%s'", dir);
	check("audit-cleanup", system(cmd) == 0, "%s failed", cmd);
	free(cmd);
}

/* Two handles to one data folder (as the server's threads hold) write
 * objects at once: each gets a temporary file of its own in tmp/ (a
 * counter a handle, both starting at 0, once named both obj-PID-0 and
 * refused the second), and both objects are published. */
static void two_writers(void)
{
	struct hd_agent ag = {"test"};
	struct hd_archive *a = NULL, *b = NULL;
	struct hd_objw wa, wb;
	struct hd_error e;
	char dir[] = "/tmp/hdtwo.XXXXXX", *cmd;
	int ra, rb;

	memset(&wa, 0, sizeof wa);
	memset(&wb, 0, sizeof wb);
	if (mkdtemp(dir) == NULL || hd_archive_init(dir, "QF01", "测试",
	    &ag, &e) != 0 || hd_archive_open(dir, 0, &a, &e) != 0 ||
	    hd_archive_open(dir, 0, &b, &e) != 0) {
		check("two-writers-setup", 0, "cannot make an archive");
		hd_archive_close(a);
		return;
	}
	hd_err_clear(&e);
	ra = hd_objw_open(a, &wa, 0, &e);
	rb = hd_objw_open(b, &wb, 0, &e);
	check("two-writers-open", ra == 0 && rb == 0,
		"the second handle's temporary object: %s", e.msg);
	if (ra == 0 && rb == 0) {
		check("two-writers-apart", strcmp(wa.tmp, wb.tmp) != 0,
			"both wrote %s", wa.tmp);
	}
	if (ra == 0) {
		hd_objw_discard(&wa);
	}
	if (rb == 0) {
		hd_objw_discard(&wb);
	}
	hd_archive_close(a);
	hd_archive_close(b);
	cmd = hd_xasprintf("rm -rf '%s'", dir);
	check("two-writers-cleanup", system(cmd) == 0, "%s failed", cmd);
	free(cmd);
}

/* The part size of a multipart upload: the setting while it makes no
 * more than 10,000 parts, then grown to whole MiB so that it does; past
 * 10,000 parts of 5 GiB no size fits. */
static void part_sizes(void)
{
	const uint64_t mib = (uint64_t)1 << 20, set = 64 * mib;
	uint64_t p;

	check("part-setting", hd_s3_part_size(100 * mib, set) == set,
		"%llu", (unsigned long long)hd_s3_part_size(100 * mib, set));
	check("part-setting-at-limit", hd_s3_part_size(set * 10000, set) ==
		set, "10,000 parts of the setting need no more");
	p = hd_s3_part_size(set * 10000 + 1, set);
	check("part-grown", p == set + mib && (set * 10000 + 1 + p - 1) / p
		<= HD_S3_PARTS_MAX, "%llu", (unsigned long long)p);
	p = hd_s3_part_size((uint64_t)1 << 40, 5 * mib);
	check("part-grown-1tib", p % mib == 0 && (((uint64_t)1 << 40) + p -
		1) / p <= HD_S3_PARTS_MAX && p - mib < (((uint64_t)1 << 40) +
		HD_S3_PARTS_MAX - 1) / HD_S3_PARTS_MAX, "%llu",
		(unsigned long long)p);
	check("part-too-big", hd_s3_part_size(HD_S3_PART_MAX * 10000 + 1,
		set) > HD_S3_PART_MAX, "an object over 10,000 parts of 5 GiB "
		"has no part size S3 takes");
}

int main(void)
{
	char out[HD_LOCATION_MAX];
	size_t i;
	int rc;

	for (i = 0; i < sizeof locations / sizeof locations[0]; i++) {
		rc = hd_location_canon(locations[i].in, out, NULL);
		check_row("location", &locations[i], rc, out);
	}
	for (i = 0; i < sizeof times / sizeof times[0]; i++) {
		rc = hd_time_parse(times[i].in, out, NULL);
		check_row("time", &times[i], rc, out);
	}
	audit();
	two_writers();
	part_sizes();
	return check_done();
}
