/*
 * test_bagit.c - hd_bag_validate against the Library of Congress BagIt
 * conformance suite ($HD_SHARED/conformance/bagit, HD_SHARED defaulting
 * to ../shared beside the repository).
 *
 * Every bag under vX/valid and vX/warning must be accepted, every bag
 * under vX/invalid, v0.97/linux-only and v0.97/windows-only refused, for
 * every version in the suite (1.0 and 0.97 hold the interesting cases).
 * For the refused bags a table says which reason must be among the
 * problems, so a bag refused for the wrong reason fails too.  The suite
 * is read-only and never modified; v0.97/warning/special-system-files
 * lists data/.DS_Store, which upstream never committed, so it is copied
 * and the empty file made, as NOTES.md suggests.  Prints "PASS <bag>" or
 * "FAIL <bag>: <reasons>"; exits 1 on any failure.
 */
#include "../../archive/hd.h"

#include <dirent.h>
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

static int fails, passes;
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

static void print_notes(const struct hd_note *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		printf("%s%s", i ? " | " : "", v[i].msg);
	}
}

/* Validate one bag; want_valid: 1 valid, 0 refused.  rel names it in the
 * suite. */
static void one(const char *path, const char *rel, int want_valid,
	int is_warning)
{
	struct hd_bag_report r;
	struct hd_error e;
	const char *why;
	char *copy = NULL, *cmd;
	int rc, ok;

	if (strcmp(rel, "v0.97/warning/special-system-files") == 0) {
		copy = hd_xasprintf("%s/special-system-files", tmproot);
		cmd = hd_xasprintf("cp -R '%s' '%s' && chmod -R u+w '%s' && "
			": > '%s/data/.DS_Store'", path, copy, copy, copy);
		if (system(cmd) != 0) {
			printf("FAIL %s: cannot copy the bag\n", rel);
			fails++;
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
	if (ok) {
		passes++;
		printf("PASS %s (%s; %zu problems, %zu warnings)\n", rel,
			want_valid ? "accepted" : "refused", r.nerrs, r.nwarns);
	} else {
		fails++;
		printf("FAIL %s: expected %s%s%s; got rc %d: ", rel,
			want_valid ? "accepted" : "refused",
			why != NULL ? " with " : "", why != NULL ? why : "",
			rc);
		print_notes(r.errs, r.nerrs);
		printf(" / warnings: ");
		print_notes(r.warns, r.nwarns);
		printf("\n");
	}
	hd_bag_report_release(&r);
	free(copy);
}

/* bag-info.txt is handed back, continuation lines joined. */
static void info_check(const char *suite)
{
	struct hd_bag_report r;
	struct hd_error e;
	char *bag = hd_xasprintf("%s/v0.97/valid/holey-bag", suite);
	size_t i;
	int found = 0;

	hd_bag_validate(bag, &r, &e);
	for (i = 0; i < r.ninfo; i++) {
		if (strcmp(r.info[i].label, "External-Description") == 0 &&
		    strcmp(r.info[i].value, "Uncompressed greyscale TIFF "
		    "images from the Yoshimuri papers collection.") == 0) {
			found = 1;
		}
	}
	if (found && r.ninfo >= 10) {
		passes++;
		printf("PASS bag-info: %zu tags, folded value joined\n",
			r.ninfo);
	} else {
		fails++;
		printf("FAIL bag-info: External-Description not read back "
			"(%zu tags)\n", r.ninfo);
	}
	hd_bag_report_release(&r);
	free(bag);
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
	const char *shared = getenv("HD_SHARED");
	char *suite, *dir, *path, *rel, **vers, **bags, *cmd;
	size_t nvers, nbags, v, k, i;

	suite = hd_xasprintf("%s/conformance/bagit",
		shared != NULL && shared[0] != '\0' ? shared : "../shared");
	vers = subdirs(suite, &nvers);
	if (nvers == 0) {
		printf("FAIL conformance: no BagIt suite at %s (set "
			"HD_SHARED)\n", suite);
		return 1;
	}
	if (mkdtemp(tmproot) == NULL) {
		printf("FAIL conformance: mkdtemp\n");
		return 1;
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
	hd_strv_free(vers, nvers);
	free(suite);
	cmd = hd_xasprintf("rm -rf '%s'", tmproot);
	if (system(cmd) != 0) {
		printf("FAIL cleanup of %s\n", tmproot);
		fails++;
	}
	free(cmd);
	printf("%d bags passed, %d failed\n", passes, fails);
	return fails > 0 ? 1 : 0;
}
