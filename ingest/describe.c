/*
 * describe.c - the describe and quality-check stages.
 *
 * describe turns the batch's files into records: one record per sheet row
 * (a row may name several files or a folder: a multi-page record), or one
 * per file without a sheet, its date taken from EXIF or the file name.
 * The sheet and the batch must agree exactly: a row naming a file that is
 * not there, or a file no row names, refuses the batch, since either means
 * the scanning contractor's delivery is not what the sheet says.
 * check adds the quality warnings of DA/T 31 spirit to the report.
 */
#include "ingest.h"
#include "sheet.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* See ingest.h: frees each record's description, file list and language,
 * then recs; accepts NULL with n 0. */
void batch_records_free(struct batch_record *recs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		hd_record_release(&recs[i].rec);
		free(recs[i].items);
		free(recs[i].lang);
	}
	free(recs);
}

/* A new record appended to *recs (grown by one), zeroed with an empty
 * description; it lives in the array, so a pointer to it lasts until the
 * next rec_new. */
static struct batch_record *rec_new(struct batch_record **recs,
	size_t *nrecs)
{
	struct batch_record *br;

	*recs = hd_xrealloc(*recs, (*nrecs + 1) * sizeof **recs);
	br = &(*recs)[(*nrecs)++];
	memset(br, 0, sizeof *br);
	hd_record_init(&br->rec);
	return br;
}

/* Give file idx of the batch to record br, which is record number recno of
 * the batch (the item notes it). */
static void rec_item(struct batch *b, struct batch_record *br, size_t idx,
	int recno)
{
	br->items = hd_xrealloc(br->items,
		(br->nitems + 1) * sizeof *br->items);
	br->items[br->nitems++] = idx;
	b->items[idx].record = recno;
}

/* The category (门类) a file of type mime gets when nothing else says: ZP
 * 照片 for images, LY 录音 for audio, LX 录像 for video, WS 文书 for the
 * rest. */
static const char *mime_category(const char *mime)
{
	if (mime == NULL) {
		return "WS";
	}
	if (strncmp(mime, "image/", 6) == 0) {
		return "ZP";
	}
	if (strncmp(mime, "audio/", 6) == 0) {
		return "LY";
	}
	if (strncmp(mime, "video/", 6) == 0) {
		return "LX";
	}
	return "WS";
}

/* A class (机构问题) code: 1-8 of [A-Z0-9]. */
static int class_ok(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++) {
		if (!isupper((unsigned char)s[n]) &&
		    !isdigit((unsigned char)s[n])) {
			return 0;
		}
	}
	return n >= 1 && n <= 8;
}

/* Defaults every record starts from. */
static void rec_defaults(struct hd_record *r, struct batch *b,
	const struct ingest_opts *o)
{
	r->fonds = hd_xstrdup(o->fonds ? o->fonds : hd_archive_fonds(b->a));
	r->retention = hd_xstrdup(o->retention ? o->retention : "Y");
	r->access = hd_xstrdup(o->access ? o->access : "internal");
	r->status = hd_xstrdup(o->approve ? "approved" : "pending");
	r->cls = o->cls ? hd_xstrdup(o->cls) : NULL;
	r->language = hd_xstrdup("zh");
}

/* Set record r's date to d: its ISO form (new) and the years it covers. */
static void set_date(struct hd_record *r, const struct hd_date *d)
{
	free(r->date);
	r->date = hd_xstrdup(d->iso);
	r->year = d->year;
	r->year_end = d->year_end;
}

/* A date at the start of a file name: 1985-03-12, 19850312, 1985. */
static int name_date(const char *name, struct hd_date *d)
{
	const char *base = strrchr(name, '/');
	char buf[16];
	size_t n = 0;

	base = base ? base + 1 : name;
	while (n < 10 && (isdigit((unsigned char)base[n]) ||
	    (n > 0 && base[n] == '-'))) {
		n++;
	}
	while (n > 4) {
		memcpy(buf, base, n);
		buf[n] = '\0';
		if (hd_date_parse(buf, d, NULL) == 0 && d->year >= 1800 &&
		    d->year <= 2100) {
			return 0;
		}
		n--;
	}
	if (n == 4) {
		memcpy(buf, base, 4);
		buf[4] = '\0';
		if (!isdigit((unsigned char)base[4]) &&
		    hd_date_parse(buf, d, NULL) == 0 && d->year >= 1800 &&
		    d->year <= 2100) {
			return 0;
		}
	}
	return -1;
}

/* Title from a file name: the base name without its extension. */
static char *name_title(const char *path)
{
	const char *base = strrchr(path, '/');
	const char *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	if (dot == NULL || dot == base) {
		return hd_xstrdup(base);
	}
	return hd_xstrndup(base, (size_t)(dot - base));
}

/* Date record br from its files when nothing else did: the first EXIF date
 * taken (its day), else the first date a file name carries (name_date).
 * Leaves the date as it is when none has one. */
static void date_from_files(struct batch *b, struct batch_record *br)
{
	struct hd_date d;
	char day[16];
	size_t i;

	for (i = 0; i < br->nitems; i++) {
		struct batch_item *it = &b->items[br->items[i]];

		if (it->file.has_exif && it->file.exif.datetime[0]) {
			snprintf(day, sizeof day, "%.10s",
				it->file.exif.datetime);
			if (hd_date_parse(day, &d, NULL) == 0) {
				set_date(&br->rec, &d);
				return;
			}
		}
	}
	for (i = 0; i < br->nitems; i++) {
		if (name_date(b->items[br->items[i]].path, &d) == 0) {
			set_date(&br->rec, &d);
			return;
		}
	}
}

/* One record for each file of a batch without a catalogue sheet (files left
 * out, record -2, get none): titled and dated by its name and EXIF, its
 * category by its type unless the options name one. */
static void describe_files(struct batch *b, const struct ingest_opts *o,
	struct batch_record **recs, size_t *nrecs)
{
	struct batch_record *br;
	size_t i;
	int recno;

	for (i = 0; i < b->nitems; i++) {
		struct batch_item *it = &b->items[i];

		if (it->record == -2) {
			continue;
		}
		recno = (int)*nrecs;
		br = rec_new(recs, nrecs);
		rec_defaults(&br->rec, b, o);
		rec_item(b, br, i, recno);
		br->rec.title = name_title(it->path);
		br->rec.category = hd_xstrdup(o->category ? o->category :
			mime_category(it->file.mime));
		date_from_files(b, br);
	}
}

/* Bag-info tags that describe a transfer (RFC 8493 reserved labels). */
static void bag_defaults(struct batch *b, struct hd_record *r)
{
	size_t i;

	for (i = 0; i < b->nbag_info; i++) {
		const char *l = b->bag_info[i].label;
		const char *v = b->bag_info[i].value;

		if (strcasecmp(l, "Source-Organization") == 0 &&
		    r->source == NULL) {
			r->source = hd_xstrdup(v);
		} else if (strcasecmp(l, "External-Description") == 0 &&
		    r->description == NULL) {
			r->description = hd_xstrdup(v);
		}
	}
}

/* Normalise a path named in a sheet cell: trim, '\' -> '/', drop "./"
 * and trailing '/'. */
static char *cell_path(const char *s)
{
	char *p = hd_xstrdup(s), *q;
	size_t n;

	hd_trim(p);
	for (q = p; *q; q++) {
		if (*q == '\\') {
			*q = '/';
		}
	}
	while (strncmp(p, "./", 2) == 0) {
		memmove(p, p + 2, strlen(p + 2) + 1);
	}
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/') {
		p[--n] = '\0';
	}
	return p;
}

/* Attach the files a sheet cell names to record recno. */
static void row_files(struct batch *b, struct sheet *s,
	const struct sheet_row *row, struct batch_record *br, int recno)
{
	char **parts = NULL;
	size_t nparts = 0, i, k, plen;
	int found;
	char *p;

	/* only ';' and '；' separate files: names may hold commas */
	p = hd_xstrdup(row->col[COL_FILE]);
	for (i = 0; p[i]; i++) {
		if (strncmp(p + i, "\xEF\xBC\x9B", 3) == 0) {
			memcpy(p + i, ";  ", 3);
		}
	}
	for (char *tok = strtok(p, ";"); tok; tok = strtok(NULL, ";")) {
		char *c = cell_path(tok);

		if (*c) {
			hd_strv_add(&parts, &nparts, c);
		}
		free(c);
	}
	free(p);
	for (i = 0; i < nparts; i++) {
		found = 0;
		plen = strlen(parts[i]);
		for (k = 0; k < b->nitems; k++) {
			struct batch_item *it = &b->items[k];
			int match = strcmp(it->path, parts[i]) == 0 ||
				(strncmp(it->path, parts[i], plen) == 0 &&
				it->path[plen] == '/');

			if (!match || it->record == -2) {
				continue;
			}
			found = 1;
			if (it->record >= 0 && it->record != recno) {
				batch_reject(b, it->path, "%s line %d names "
					"this file, but an earlier row already "
					"does", s->name, row->line);
				continue;
			}
			if (it->record < 0) {
				rec_item(b, br, k, recno);
			}
		}
		if (!found) {
			batch_reject(b, parts[i], "%s line %d names '%s', "
				"which is not in the batch", s->name,
				row->line, parts[i]);
		}
	}
	hd_strv_free(parts, nparts);
}

/* Column col of row, a code or its Chinese name as lookup takes it, into
 * *field (what was there freed) as the code; an empty column leaves it.
 * A value lookup does not know rejects the batch, naming the line, what
 * the column is and hint (the codes and their names). */
static void row_code(struct batch *b, const struct sheet *s,
	const struct sheet_row *row, int col,
	const char *(*lookup)(const char *), const char *what,
	const char *hint, char **field)
{
	const char *v = row->col[col], *code;

	if (v == NULL) {
		return;
	}
	code = lookup(v);
	if (code == NULL) {
		batch_reject(b, s->name, "line %d: unknown %s '%s' (%s)",
			row->line, what, v, hint);
		return;
	}
	free(*field);
	*field = hd_xstrdup(code);
}

/* Record br, number recno of the batch, from catalogue sheet row row: its
 * files (row_files), the text columns and, checked, the date, category,
 * retention, access, class, language and pages.  A value that is not one
 * rejects the batch, naming the sheet's line. */
static void describe_row(struct batch *b, const struct ingest_opts *o,
	struct sheet *s, const struct sheet_row *row,
	struct batch_record *br, int recno)
{
	struct hd_record *r = &br->rec;
	struct hd_error de;
	struct hd_date d;
	const char *v;
	char *end;
	long pages;

	br->line = row->line;
	rec_defaults(r, b, o);
	row_files(b, s, row, br, recno);
	v = row->col[COL_TITLE];
	r->title = v ? hd_xstrdup(v) : NULL;
	r->creator = hd_xstrdup(row->col[COL_CREATOR]);
	r->place = hd_xstrdup(row->col[COL_PLACE]);
	r->description = hd_xstrdup(row->col[COL_DESCRIPTION]);
	r->location = hd_xstrdup(row->col[COL_LOCATION]);
	sheet_split(row->col[COL_SUBJECTS], &r->subjects, &r->nsubjects);
	sheet_split(row->col[COL_PERSONS], &r->persons, &r->npersons);
	if ((v = row->col[COL_DATE]) != NULL) {
		hd_err_clear(&de);
		if (hd_date_parse(v, &d, &de) != 0) {
			batch_reject(b, s->name, "line %d: %s", row->line,
				de.msg);
		} else {
			set_date(r, &d);
		}
	}
	row_code(b, s, row, COL_CATEGORY, hd_category_code, "category",
		"WS 文书, ZP 照片, RS 人事, SW 实物, LY 录音, LX 录像",
		&r->category);
	row_code(b, s, row, COL_RETENTION, hd_retention_code, "retention",
		"Y 永久, D30 30年, D10 10年", &r->retention);
	row_code(b, s, row, COL_ACCESS, hd_access_code, "access",
		"public 公开, internal 内部, restricted 限制", &r->access);
	if ((v = row->col[COL_CLASS]) != NULL) {
		if (!class_ok(v)) {
			batch_reject(b, s->name, "line %d: class '%s' must be "
				"1 to 8 capital letters or digits (e.g. DJ)",
				row->line, v);
		} else {
			free(r->cls);
			r->cls = hd_xstrdup(v);
		}
	}
	v = row->col[COL_LANGUAGE];
	if (v != NULL) {
		const char *iso, *lang = ocr_lang_of(v, &iso);

		if (lang == NULL) {
			batch_reject(b, s->name, "line %d: unknown language "
				"'%s' (简体 chi_sim, 繁体 chi_tra, 英文 eng)",
				row->line, v);
		} else {
			br->lang = hd_xstrdup(lang);
			if (iso != NULL) {
				free(r->language);
				r->language = hd_xstrdup(iso);
			}
		}
	}
	if ((v = row->col[COL_PAGES]) != NULL) {
		pages = strtol(v, &end, 10);
		if (*end != '\0' || pages < 1 || pages > 100000) {
			batch_reject(b, s->name, "line %d: pages '%s' is not "
				"a number of pages", row->line, v);
		} else {
			r->pages = (int)pages;
		}
	}
}

/* See ingest.h.  Every record then gets what is still missing: a bag's
 * defaults, a title from its first file's name (or "（无题名）"), a category
 * from its first file's type, a date from its files; a record whose files
 * are all duplicates is marked so.  Returns 0. */
int stage_describe(struct batch *b, const struct ingest_opts *o,
	struct sheet *s, struct batch_record **recs, size_t *nrecs)
{
	struct batch_record *br;
	size_t i, k;

	*recs = NULL;
	*nrecs = 0;
	if (s == NULL) {
		describe_files(b, o, recs, nrecs);
	} else {
		for (i = 0; i < s->nrows; i++) {
			int recno = (int)*nrecs;

			br = rec_new(recs, nrecs);
			describe_row(b, o, s, &s->rows[i], br, recno);
		}
		for (i = 0; i < b->nitems; i++) {
			if (b->items[i].record == -1) {
				batch_reject(b, b->items[i].path, "not named "
					"by the catalogue sheet %s", s->name);
			}
		}
	}
	for (i = 0; i < *nrecs; i++) {
		struct hd_record *r = &(*recs)[i].rec;
		int dup = (*recs)[i].nitems > 0;

		if (b->is_bag) {
			bag_defaults(b, r);
		}
		if (r->title == NULL && (*recs)[i].nitems > 0) {
			r->title = name_title(
				b->items[(*recs)[i].items[0]].path);
		}
		if (r->title == NULL) {
			r->title = hd_xstrdup("（无题名）");
		}
		if (r->category == NULL) {
			r->category = hd_xstrdup(o->category ? o->category :
				(*recs)[i].nitems ? mime_category(
				b->items[(*recs)[i].items[0]].file.mime) :
				"WS");
		}
		if (r->date == NULL) {
			date_from_files(b, &(*recs)[i]);
		}
		for (k = 0; k < (*recs)[i].nitems; k++) {
			if (!b->items[(*recs)[i].items[k]].duplicate) {
				dup = 0;
			}
		}
		(*recs)[i].duplicate = dup;
	}
	return 0;
}

/* See ingest.h.  Per file: pages checked (check_pages), an image's size
 * known, its resolution at least 300 dpi for photos, historical originals
 * and pages meant for OCR, 200 dpi for documents; per record: the pages the
 * sheet gives against the pages counted. */
void stage_check(struct batch *b, struct batch_record *recs, size_t nrecs)
{
	size_t i, k;

	for (i = 0; i < nrecs; i++) {
		struct hd_record *r = &recs[i].rec;
		int photo = strcmp(r->category, "ZP") == 0 ||
			strcmp(r->category, "RS") == 0;
		int need = photo ? 300 : 200;
		int pages = 0, known = 0;

		for (k = 0; k < recs[i].nitems; k++) {
			struct batch_item *it = &b->items[recs[i].items[k]];
			const char *m = it->file.mime ? it->file.mime : "";
			double dpi = it->file.exif.xres;
			/* pages meant for OCR need 300 dpi */
			int want = it->ocr && need < 300 ? 300 : need;

			pages += it->file.pages > 0 ? it->file.pages : 1;
			known |= it->file.pages > 0;
			check_pages(b, it, r->category);
			if (strncmp(m, "image/", 6) != 0) {
				continue;
			}
			if (it->file.width <= 0) {
				batch_warn(b, it->path, "图像无法读取：尺寸未知");
			}
			if (dpi > 0 && dpi < want) {
				batch_warn(b, it->path, "分辨率 %.0f dpi，低于"
					"%s要求的 %d dpi（DA/T 31）", dpi,
					photo ? "照片和历史原件" : it->ocr ?
					"文字识别（OCR）" : "文书扫描", want);
			}
		}
		if (r->pages > 0 && (recs[i].nitems > 1 || known) &&
		    pages != r->pages) {
			batch_warn(b, recs[i].nitems ?
				b->items[recs[i].items[0]].path : "",
				"目录页数为 %d，实际 %d 页", r->pages, pages);
		}
	}
}
