/*
 * show.c - "hongdang show": one record as the archivist sees it, its
 * description, files (with their EXIF) and events.
 */
#include "cmd.h"

static const struct cmd_spec spec = {
	.help =
	"usage: hongdang [-d DIR] show [--json] REF\n\n"
	"Show one record, its files (with EXIF) and its events.  REF is a\n"
	"reference code such as QF01-ZP·1985·Y-SQ-0003 ('.' may replace '·').\n",
	.min = 1, .max = 1, .what = "give exactly one reference code",
	.flags = CMD_IN_ORDER | CMD_READ,
};

/* The file f as a JSON object: name, sha256, size, mime, width,
 * height, pages (when it has any) and exif (its fields, or null). */
static json_t *file_json(const struct hd_file *f)
{
	json_t *j = json_object(), *x;

	json_object_set_new(j, "name", json_string(f->name));
	json_object_set_new(j, "sha256", json_string(f->sha256));
	json_object_set_new(j, "size", json_integer((json_int_t)f->size));
	json_object_set_new(j, "mime", hd_json_str(f->mime));
	json_object_set_new(j, "width", f->width ? json_integer(f->width) :
		json_null());
	json_object_set_new(j, "height", f->height ?
		json_integer(f->height) : json_null());
	if (f->pages > 0) {
		json_object_set_new(j, "pages", json_integer(f->pages));
	}
	if (!f->has_exif) {
		json_object_set_new(j, "exif", json_null());
		return j;
	}
	x = json_object();
	json_object_set_new(x, "DateTimeOriginal", f->exif.datetime[0] ?
		json_string(f->exif.datetime) : json_null());
	json_object_set_new(x, "Make", f->exif.make[0] ?
		json_string(f->exif.make) : json_null());
	json_object_set_new(x, "Model", f->exif.model[0] ?
		json_string(f->exif.model) : json_null());
	json_object_set_new(x, "Orientation", f->exif.orientation ?
		json_integer(f->exif.orientation) : json_null());
	json_object_set_new(x, "XResolution", f->exif.xres > 0 ?
		json_real(f->exif.xres) : json_null());
	json_object_set_new(x, "GPSLatitude", f->exif.has_gps ?
		json_real(f->exif.lat) : json_null());
	json_object_set_new(x, "GPSLongitude", f->exif.has_gps ?
		json_real(f->exif.lon) : json_null());
	json_object_set_new(j, "exif", x);
	return j;
}

/* The record r as a JSON object: its description, subjects, persons,
 * files (file_json) and events. */
static json_t *record_json(const struct hd_record *r)
{
	json_t *o, *files = json_array(), *ev = json_array();
	size_t i;

	o = json_pack("{s:s, s:s, s:s?, s:s?, s:s, s:s, s:s, s:s, s:s?, "
		"s:s?, s:s?, s:s?, s:o, s:o, s:o}", "ref", r->ref,
		"title", r->title, "creator", r->creator, "date", r->date,
		"category", r->category, "access", r->access,
		"status", r->status, "retention", r->retention,
		"class", r->cls, "location", r->location, "place", r->place,
		"description", r->description,
		"pages", r->pages ? json_integer(r->pages) : json_null(),
		"subjects", hd_json_strv(r->subjects, r->nsubjects),
		"persons", hd_json_strv(r->persons, r->npersons));
	for (i = 0; i < r->nfiles; i++) {
		json_array_append_new(files, file_json(&r->files[i]));
	}
	json_object_set_new(o, "files", files);
	for (i = 0; i < r->nevents; i++) {
		json_array_append_new(ev, json_pack("{s:s, s:s, s:s, s:s}",
			"type", r->events[i].type, "at", r->events[i].at,
			"agent", r->events[i].agent,
			"detail", r->events[i].detail));
	}
	json_object_set_new(o, "events", ev);
	return o;
}

/* "LABEL：V" on a line, nothing when v is NULL or empty. */
static void print_field(const char *label, const char *v)
{
	if (v != NULL && *v) {
		printf("%s：%s\n", label, v);
	}
}

/* The record r for the terminal: title, description fields, subjects,
 * persons, a line a file (size, pixels, date taken, SHA-256), a line an
 * event. */
static void print_record(const struct hd_record *r)
{
	size_t i;

	printf("%s\n", r->title);
	print_field("档号", r->ref);
	print_field("责任者", r->creator);
	print_field("日期", r->date);
	printf("门类：%s %s\n", r->category,
		hd_category_name(r->category) ?
		hd_category_name(r->category) : "");
	printf("保管期限：%s　开放：%s　状态：%s\n",
		hd_retention_name(r->retention), hd_access_name(r->access),
		hd_status_name(r->status));
	print_field("地点", r->place);
	print_field("位置", r->location);
	print_field("附注", r->description);
	for (i = 0; i < r->nsubjects; i++) {
		printf("%s%s", i ? "、" : "主题词：", r->subjects[i]);
	}
	if (r->nsubjects) {
		putchar('\n');
	}
	for (i = 0; i < r->npersons; i++) {
		printf("%s%s", i ? "、" : "人物：", r->persons[i]);
	}
	if (r->npersons) {
		putchar('\n');
	}
	printf("\n文件（%zu）：\n", r->nfiles);
	for (i = 0; i < r->nfiles; i++) {
		const struct hd_file *f = &r->files[i];

		printf("  %s  %s  %llu 字节", f->name, f->mime,
			(unsigned long long)f->size);
		if (f->width) {
			printf("  %d×%d", f->width, f->height);
		}
		if (f->has_exif && f->exif.datetime[0]) {
			printf("  拍摄 %s", f->exif.datetime);
		}
		printf("\n    sha256 %s\n", f->sha256);
	}
	printf("\n事件：\n");
	for (i = 0; i < r->nevents; i++) {
		printf("  %s  %-8s %s  %s\n", r->events[i].at,
			r->events[i].type, r->events[i].agent,
			r->events[i].detail);
	}
}

/* Show the record argv[1] as the archivist sees it: its description,
 * files and events (--json: as an object).  Exit 0, 1 when there is no
 * such record, 2 for bad usage or a malformed reference code. */
int cmd_show(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_record r;
	struct hd_error e;
	int json = 0, status;

	status = cmd_start_json(c, &spec, &json, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	hd_record_init(&r);
	hd_err_clear(&e);
	if (hd_record_get(c->a, HD_ARCHIVIST, argv[0], &r, &e) != 0) {
		return cmd_fail_usage(c, &e, HD_EINVAL);
	}
	status = 0;
	if (json) {
		status = cmd_json_out(record_json(&r));
	} else {
		print_record(&r);
	}
	hd_record_release(&r);
	return status;
}
