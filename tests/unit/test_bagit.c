/*
 * test_bagit.c - hd_bag_validate against the Library of Congress BagIt
 * conformance suite, kept in tests/data/bagit-conformance (its README says
 * where it comes from) under $HD_TOP, the top of the repository (tests/run.sh
 * sets it; the current folder when unset).
 *
 * Every bag under vX/valid and vX/warning must be accepted, every bag
 * under vX/invalid, v0.97/linux-only and v0.97/windows-only refused, for
 * every version in the suite (1.0 and 0.97 hold the interesting cases).
 * For the refused bags a table says which reason must be among the
 * problems, so a bag refused for the wrong reason fails too.  The suite
 * is read-only and never modified; v0.97/warning/special-system-files
 * lists data/.DS_Store, which upstream never committed, so it is copied
 * and the empty file made, as its README says.  Then bag-info.txt, row
 * by row of two tables: texts as bag makers write them must give the
 * tags they mean, and values written by the bag writer (hd_bagw_info)
 * must read back the same.  Prints "PASS <bag>" or
 * "FAIL <bag>: <reasons>" (check.h); exits 1 on any failure.
 */
#include "../../archive/internal.h"
#include "check.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reasons expected for refused bags (bag path relative to the suite). */
static const struct {
	const char *bag;
	const char *reason;
} reasons[] = {
	{ "v1.0/invalid/bagit-with-invalid-whitespace",
	  "white space before ':'" },
	{ "v1.0/invalid/notAllManifestsListAllFiles",
	  "missingFromManifest.txt' is in the payload but not in" },
	{ "v1.0/invalid/same-filename-listed-twice-with-different-hashes",
	  "twice with different checksums" },
	{ "v1.0/invalid/same-filename-listed-twice-with-the-same-hash",
	  "lists 'data/README' twice" },
	{ "v0.97/invalid/baginfo-missing-encoding",
	  "no Tag-File-Character-Encoding" },
	{ "v0.97/invalid/bom-in-bagit.txt", "byte-order mark" },
	{ "v0.97/invalid/corrupt-data-file", "does not match" },
	{ "v0.97/invalid/corrupt-tag-file", "does not match" },
	{ "v0.97/invalid/extra-file-in-bag",
	  "'data/bar' is in the payload but not in" },
	{ "v0.97/invalid/invalid-version-number", "is not M.N" },
	{ "v0.97/invalid/missing-baginfo",
	  "'bag-info.txt', which is not in the bag" },
	{ "v0.97/invalid/missing-bagit.txt", "bagit.txt is missing" },
	{ "v0.97/invalid/out-of-scope-file-paths-using-dot-notation",
	  "'..'" },
	{ "v0.97/invalid/out-of-scope-file-paths-using-dot-notation-for-fetch",
	  "'..'" },
	{ "v0.97/invalid/same-filename-listed-twice-with-different-hashes",
	  "twice with different checksums" },
	{ "v0.97/linux-only/out-of-scope-file-paths-using-absolute-path",
	  "absolute path" },
	{ "v0.97/linux-only/"
	  "out-of-scope-file-paths-using-absolute-path-for-fetch",
	  "absolute path" },
	{ "v0.97/linux-only/out-of-scope-file-paths-using-shortcut",
	  "home folder" },
	{ "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-for-fetch",
	  "home folder" },
	{ "v0.97/linux-only/out-of-scope-file-paths-using-shortcut-username",
	  "home folder" },
	{ "v0.97/linux-only/"
	  "out-of-scope-file-paths-using-shortcut-username-for-fetch",
	  "home folder" },
	{ "v0.97/windows-only/out-of-scope-file-paths-using-absolute-path",
	  "drive letter" },
	{ "v0.97/windows-only/"
	  "out-of-scope-file-paths-using-absolute-path-for-fetch",
	  "drive letter" },
	{ "v0.97/windows-only/out-of-scope-file-paths-using-shortcut",
	  "outside the payload folder" },
	{ "v0.97/windows-only/out-of-scope-file-paths-using-shortcut-for-fetch",
	  "outside the payload folder" },
	{ "v0.97/windows-only/out-of-scope-file-paths-using-unc",
	  "absolute path" },
	{ "v0.97/windows-only/out-of-scope-file-paths-using-unc-for-fetch",
	  "absolute path" },
};

/* Warnings expected for bags under warning/. */
static const struct {
	const char *bag;
	const char *reason;
} warnings[] = {
	{ "v0.97/warning/duplicate-file-with-different-case",
	  "differ in letter case" },
	{ "v0.97/warning/made-with-md5sum-tools", "md5sum" },
	{ "v0.97/warning/relative-path", "'./'" },
	{ "v0.97/warning/same-filename-listed-twice-with-different-"
	  "normalization", "Unicode normalisation" },
	{ "v0.97/warning/same-filename-listed-twice-with-the-same-hash",
	  "twice" },
	{ "v0.97/warning/special-system-files", "operating system made" },
};

static char tmproot[] = "/tmp/test_bagit.XXXXXX";

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the subfolders of dir (caller frees); NULL if none. */
static char **subdirs(const char *dir, size_t *n)
{
	struct dirent *de;
	struct stat st;
	char **v = NULL, *p;
	DIR *d = opendir(dir);

	*n = 0;
	if (d == NULL) {
		return NULL;
	}
	for (;;) {
		de = readdir(d);
		if (de == NULL) {
			break;
		}
		if (de->d_name[0] == '.') {
			continue;
		}
		p = hd_xasprintf("%s/%s", dir, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			hd_strv_add(&v, n, de->d_name);
		}
		free(p);
	}
	closedir(d);
	if (*n > 1) {
		qsort(v, *n, sizeof *v, cmp_str);
	}
	return v;
}

static const char *lookup(const char *rel, int warn)
{
	size_t i;

	if (warn) {
		for (i = 0; i < sizeof warnings / sizeof warnings[0]; i++) {
			if (strcmp(warnings[i].bag, rel) == 0) {
				return warnings[i].reason;
			}
		}
		return NULL;
	}
	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
		if (strcmp(reasons[i].bag, rel) == 0) {
			return reasons[i].reason;
		}
	}
	return NULL;
}

static int notes_have(const struct hd_note *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strstr(v[i].msg, s) != NULL) {
			return 1;
		}
	}
	return 0;
}

/* The messages of v joined with " | " (caller frees). */
static char *notes_text(const struct hd_note *v, size_t n)
{
	struct hd_buf b;
	size_t i;

	hd_buf_init(&b);
	hd_buf_puts(&b, "");
	for (i = 0; i < n; i++) {
		hd_buf_printf(&b, "%s%s", i ? " | " : "", v[i].msg);
	}
	return b.p;
}

/* Validate one bag; want_valid: 1 valid, 0 refused.  rel names it in the
 * suite. */
static void one(const char *path, const char *rel, int want_valid,
	int is_warning)
{
	struct hd_bag_report r;
	struct hd_error e;
	const char *why;
	char *copy = NULL, *cmd, *errs_text, *warns_text;
	int rc, ok;

	if (strcmp(rel, "v0.97/warning/special-system-files") == 0) {
		copy = hd_xasprintf("%s/special-system-files", tmproot);
		cmd = hd_xasprintf("cp -R '%s' '%s' && chmod -R u+w '%s' && "
			": > '%s/data/.DS_Store'", path, copy, copy, copy);
		if (system(cmd) != 0) {
			check(rel, 0, "cannot copy the bag");
			free(cmd);
			free(copy);
			return;
		}
		free(cmd);
		path = copy;
	}
	rc = hd_bag_validate(path, &r, &e);
	why = lookup(rel, is_warning);
	if (want_valid) {
		ok = rc == 0 && r.nerrs == 0 &&
			(why == NULL || notes_have(r.warns, r.nwarns, why));
	} else {
		ok = rc == HD_EINVAL && r.nerrs > 0 &&
			(why == NULL || notes_have(r.errs, r.nerrs, why));
	}
	errs_text = notes_text(r.errs, r.nerrs);
	warns_text = notes_text(r.warns, r.nwarns);
	check(rel, ok, "expected %s%s%s; got rc %d: %s / warnings: %s",
		want_valid ? "accepted" : "refused",
		why != NULL ? " with " : "", why != NULL ? why : "", rc,
		errs_text, warns_text);
	free(errs_text);
	free(warns_text);
	hd_bag_report_release(&r);
	free(copy);
}

/* bag-info.txt is handed back, continuation lines joined. */
static void info_check(const char *suite)
{
	struct hd_bag_report r;
	struct hd_error e;
	size_t i;
	char *bag = hd_xasprintf("%s/v0.97/valid/holey-bag", suite);
	int found = 0;

	hd_bag_validate(bag, &r, &e);
	for (i = 0; i < r.ninfo; i++) {
		if (strcmp(r.info[i].label, "External-Description") == 0 &&
		    strcmp(r.info[i].value, "Uncompressed greyscale TIFF "
		    "images from the Yoshimuri papers collection.") == 0) {
			found = 1;
		}
	}
	check("bag-info", found && r.ninfo >= 10, "External-Description, a "
		"folded value, joined and 10 tags or more (got %zu tags)",
		r.ninfo);
	hd_bag_report_release(&r);
	free(bag);
}

/* bag-info.txt texts as a bag maker may write them, and a tag the
 * reader must give back.  The bag around them is valid: one payload file
 * data/a.txt of 6 bytes ("档案"). */
static const struct {
	const char *text;
	const char *label, *value;
	const char *why;
} readings[] = {
	{"Payload-Oxum: 6.1\n \t\n", "Payload-Oxum", "6.1",
		"a blank line after a value adds nothing to it (it added a "
		"space, and Payload-Oxum was refused; found by fuzz_bagit)"},
	{"Source-Organization: 前锋\n  社区\n\t\n\u3000\nPayload-Oxum: "
		"6.1\n", "Source-Organization", "前锋 社区",
		"a folded value joined with one space, blank lines skipped"},
	{"Label-Only:\n\tcontinued\nPayload-Oxum: 6.1\n", "Label-Only",
		"continued", "a value begun on the next line starts there, "
		"not with a space (found by fuzz_bagit)"},
};

/* Write the file dir/rel holding text; 0 or -1. */
static int put(const char *dir, const char *rel, const char *text)
{
	char *path = hd_xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	int rc = f != NULL && fputs(text, f) >= 0 ? 0 : -1;

	if (f != NULL && fclose(f) != 0) {
		rc = -1;
	}
	free(path);
	return rc;
}

/* Each text of readings as the bag-info.txt of a valid bag. */
static void reader_check(void)
{
	struct hd_bag_report r;
	struct hd_error e;
	char name[32], sum[65], *dir, *data, *man;
	const char *got;
	size_t i;
	int rc;

	hd_sha256_hex("档案", 6, sum);
	man = hd_xasprintf("%s  data/a.txt\n", sum);
	for (i = 0; i < sizeof readings / sizeof readings[0]; i++) {
		snprintf(name, sizeof name, "bag-info-read-%zu", i);
		dir = hd_xasprintf("%s/%s", tmproot, name);
		data = hd_xasprintf("%s/data", dir);
		if (mkdir(dir, 0755) != 0 || mkdir(data, 0755) != 0 ||
		    put(dir, "data/a.txt", "档案") != 0 ||
		    put(dir, "bagit.txt", "BagIt-Version: 1.0\n"
		    "Tag-File-Character-Encoding: UTF-8\n") != 0 ||
		    put(dir, "manifest-sha256.txt", man) != 0 ||
		    put(dir, "bag-info.txt", readings[i].text) != 0) {
			check(name, 0, "cannot make the bag %s", dir);
		} else {
			rc = hd_bag_validate(dir, &r, &e);
			got = hd_bag_tag_get(r.info, r.ninfo,
				readings[i].label);
			check(name, rc == 0 && got != NULL &&
				strcmp(got, readings[i].value) == 0,
				"%s (got rc %d, '%s': %s)", readings[i].why,
				rc, got ? got : "(none)",
				rc != 0 ? e.msg : "valid");
			hd_bag_report_release(&r);
		}
		free(data);
		free(dir);
	}
	free(man);
}

/* Values the bag writer folds into bag-info.txt, which the reader must
 * give back as they were (tabs and line breaks as spaces). */
static const struct {
	const char *value;
	const char *want;       /* NULL: the value itself */
	const char *why;
} infos[] = {
	{"第 1 批 A", NULL, "a value ending in a blank and one letter (the "
		"writer read a byte past it; found by fuzz_bagit)"},
	{"x y", NULL, "three bytes, a blank in the middle"},
	{"前锋社区 1953 年至 1990 年的党员大会记录、街坊来信与照片，台风过后"
		"清理河涌淤泥的照片和文字，由街坊整理，交番禺区档案馆 接收 "
		"存档", NULL, "a long value folded at blanks and joined again"},
	{"甲\u3000 乙  丙", "甲\u3000 乙  丙", "no fold next to an "
		"ideographic space or between two blanks"},
	{"第一行\n第二行\t第三列", "第一行 第二行 第三列",
		"line breaks and tabs become spaces"},
};

/* Each value of infos written into a bag and read back. */
static void writer_check(void)
{
	struct hd_bag_report r;
	struct hd_bag_tag t;
	struct hd_bagw w;
	struct hd_error e;
	char name[32], *out;
	size_t i;

	for (i = 0; i < sizeof infos / sizeof infos[0]; i++) {
		snprintf(name, sizeof name, "bag-info-%zu", i);
		out = hd_xasprintf("%s/%s", tmproot, name);
		t.label = (char *)"External-Description";
		t.value = (char *)infos[i].value;
		memset(&w, 0, sizeof w);
		if (hd_bagw_begin(&w, out, &e) != 0 ||
		    hd_bagw_info(&w, &t, 1, &e) != 0 ||
		    hd_bagw_finish(&w, &e) != 0) {
			check(name, 0, "the writer failed: %s", e.msg);
		} else {
			hd_bag_validate(w.root, &r, &e);
			check(name, r.ninfo == 1 && strcmp(r.info[0].value,
				infos[i].want ? infos[i].want :
				infos[i].value) == 0, "%s (got '%s')",
				infos[i].why, r.ninfo ? r.info[0].value : "");
			hd_bag_report_release(&r);
		}
		hd_bagw_discard(&w);
		hd_bagw_release(&w);
		free(out);
	}
}

int main(void)
{
	static const struct {
		const char *kind;
		int valid;
		int warning;
	} kinds[] = {
		{ "valid", 1, 0 },
		{ "warning", 1, 1 },
		{ "invalid", 0, 0 },
		{ "linux-only", 0, 0 },
		{ "windows-only", 0, 0 },
	};
	const char *top = getenv("HD_TOP");
	char *suite, *dir, *path, *rel, **vers, **bags, *cmd;
	size_t nvers, nbags, v, k, i;

	suite = hd_xasprintf("%s/tests/data/bagit-conformance",
		top != NULL && top[0] != '\0' ? top : ".");
	vers = subdirs(suite, &nvers);
	if (nvers == 0) {
		check("conformance", 0, "no BagIt suite at %s (set HD_TOP)",
			suite);
		return check_done();
	}
	if (mkdtemp(tmproot) == NULL) {
		check("conformance", 0, "mkdtemp");
		return check_done();
	}
	for (v = 0; v < nvers; v++) {
		for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
			dir = hd_xasprintf("%s/%s/%s", suite, vers[v],
				kinds[k].kind);
			bags = subdirs(dir, &nbags);
			for (i = 0; i < nbags; i++) {
				path = hd_xasprintf("%s/%s", dir, bags[i]);
				rel = hd_xasprintf("%s/%s/%s", vers[v],
					kinds[k].kind, bags[i]);
				one(path, rel, kinds[k].valid,
					kinds[k].warning);
				free(path);
				free(rel);
			}
			hd_strv_free(bags, nbags);
			free(dir);
		}
	}
	info_check(suite);
	reader_check();
	writer_check();
	hd_strv_free(vers, nvers);
	free(suite);
	cmd = hd_xasprintf("rm -rf '%s'", tmproot);
	check("cleanup", system(cmd) == 0, "%s failed", cmd);
	free(cmd);
	return check_done();
}
