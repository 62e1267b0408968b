/*
 * backup.c - "hongdang backup DEST" and "hongdang -d NEW restore SRC".
 *
 * backup copies the archive while it is in use (the exhibit server may
 * keep serving and writing): a consistent snapshot of the catalogue by
 * SQLite's online backup API and every object it names, each hashed and
 * checked while copied.  restore rebuilds a data folder from a backup
 * into a new or empty folder and verifies it before it appears.  Exit 0
 * on success, 1 when something is damaged or the copy failed, 2 for bad
 * usage.
 */
#include "cmd.h"

static const struct cmd_spec backup_spec = {
	.help =
	"usage: hongdang [-d DIR] backup [--json] [--objects] DEST\n\n"
	"Copy the data folder to DEST while it is in use.  DEST is a new or\n"
	"empty folder, or an earlier backup (then only new or damaged objects\n"
	"are copied).  The catalogue is one consistent snapshot; every object\n"
	"is checked against its SHA-256 while copied; every file is written\n"
	"under a temporary name, fsynced and renamed.  DEST/BACKUP records\n"
	"what was copied.  Restore with 'hongdang -d NEW restore DEST'.\n\n"
	"  --objects  for an archive whose objects live in a bucket (init\n"
	"             --objects s3://...): read every object from the bucket\n"
	"             into DEST/objects too; without it only the catalogue\n"
	"             is copied and the objects stay in the bucket\n",
	.min = 1, .max = 1, .what = "give one folder",
	.flags = CMD_IN_ORDER | CMD_WRITE,
};

static const struct cmd_spec restore_spec = {
	.help =
	"usage: hongdang -d NEW restore [--json] SRC\n\n"
	"Restore the backup in SRC into the data folder NEW, which must be\n"
	"new or empty.  Every object is checked against its hash and the\n"
	"catalogue against BACKUP; the result is verified (objects and event\n"
	"chain) before it is renamed into place.\n",
	.min = 1, .max = 1, .what = "give one folder",
	.flags = CMD_IN_ORDER,
};

/* The figures of a backup or restore into to, as a JSON object. */
static json_t *stats_json(const struct hd_backup_stats *st, const char *to)
{
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
		"to", to, "objects", (json_int_t)st->objects,
		"copied", (json_int_t)st->copied, "kept", (json_int_t)st->kept,
		"replaced", (json_int_t)st->replaced,
		"bytes", (json_int_t)st->bytes,
		"records", (json_int_t)st->records,
		"events", (json_int_t)st->events,
		"catalogue_sha256", st->db_sha256);
}

/* The options of backup and restore (--json) and their one folder, put
 * in *folder.  Returns -1 to go on, or the exit status (cmd_start). */
static int start(struct cmd_ctx *c, const struct cmd_spec *spec,
	int argc, char **argv, int *json, const char **folder)
{
	int st = cmd_start_json(c, spec, json, &argc, &argv);

	*folder = st < 0 ? argv[0] : NULL;
	return st;
}

/* Back the archive up into the folder argv[1] (--json: the figures as
 * an object; --objects: a bucket's objects too).  Exit 0, 1 when the copy failed or found damage, 2 for bad
 * usage. */
int cmd_backup(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_backup_stats st;
	struct hd_error e;
	int json = 0, objects = 0, status;
	const struct cmd_opt opts[] = {
		CMD_FLAG("json", &json),
		CMD_FLAG("objects", &objects),
		CMD_END,
	};
	const char *to;

	status = cmd_start(c, &backup_spec, opts, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	to = argv[0];
	status = 0;
	hd_err_clear(&e);
	cmd_sweep(c, to);
	if (hd_backup_run_objects(c->a, to, objects, &c->agent, &st,
	    &e) != 0) {
		status = cmd_fail(c, &e);
	} else if (json) {
		status = cmd_json_out(stats_json(&st, to));
	} else {
		printf("备份完成：%s\n%lld 件档案，%lld 个对象（新复制 %lld，"
			"已有 %lld，修复 %lld），%llu 字节，%lld 条事件\n"
			"目录库 SHA-256 %s\n", to, (long long)st.records,
			(long long)st.objects, (long long)st.copied,
			(long long)st.kept, (long long)st.replaced,
			(unsigned long long)st.bytes, (long long)st.events,
			st.db_sha256);
	}
	return status;
}

/* Restore the backup in the folder argv[1] into the new or empty data
 * folder c->dir, verified before it is put in place (--json: the figures
 * and the check as an object).  Exit 0, 1 when the backup is damaged, 2
 * for bad usage, an occupied folder or no backup there. */
int cmd_restore(struct cmd_ctx *c, int argc, char **argv)
{
	struct hd_backup_stats st;
	struct hd_verify v;
	struct hd_error e;
	int json = 0, status;
	const char *from;
	json_t *o;

	status = start(c, &restore_spec, argc, argv, &json, &from);
	if (status >= 0) {
		return status;
	}
	status = 0;
	hd_err_clear(&e);
	cmd_sweep(c, c->dir);
	if (hd_restore_run(from, c->dir, &c->agent, &st, &v, &e) != 0) {
		status = cmd_fail(c, &e);
		if (e.code == HD_EEXIST || e.code == HD_ENOTFOUND) {
			status = 2;
		}
	} else if (json) {
		o = stats_json(&st, c->dir);
		json_object_set_new(o, "verified_objects", json_integer(v.ok));
		json_object_set_new(o, "chain", json_string(v.chain_ok ?
			"ok" : "broken"));
		status = cmd_json_out(o);
	} else {
		printf("已恢复到 %s：%lld 件档案，%lld 个对象（%llu 字节），"
			"%lld 条事件\n校验通过：%lld 个对象完好，事件链完整\n",
			c->dir, (long long)st.records, (long long)st.objects,
			(unsigned long long)st.bytes, (long long)st.events,
			(long long)v.ok);
	}
	hd_verify_release(&v);
	return status;
}
