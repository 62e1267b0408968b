/*
 * upload.c - receiving a batch through the browser: a multipart/form-data
 * body, which the server streams here field by field (ROUTE_UPLOAD), is
 * written into the batch's folder as it arrives, never held whole in
 * memory (a megabyte of it at a time, per connection).
 *
 * The fields (templates/admin_ingest.html; static/ingest.js sends the
 * same):
 *   csrf       the session's form token.  It must be the first field: no
 *              other field is taken, and no batch is made, before it has
 *              arrived whole and matched (else 403, nothing kept).  The
 *              page's form puts it first, as browsers send fields in the
 *              order of the form.
 *   manifest   (optional) JSON [{"path", "size"}, ...]: the files that
 *              will come, so that the caps and the free disk are checked
 *              before any of them, and the batch waits for every one of
 *              them (the page's script sends it).
 *   category, access, retention, class, ocr, ocr_lang
 *              the batch options of "hongdang ingest".
 *   sheet      (a file) the catalogue sheet.
 *   offset     (before a files field) the file's bytes below this offset
 *              already arrived: the field brings the rest (a resumed
 *              upload; see below).
 *   files      (a file, any number) a file of the batch; its file name is
 *              its path in the batch, checked by the pipeline's own rules
 *              (entry_name_check: no "..", no absolute path, ...).  A
 *              folder chosen whole arrives as "folder/a.jpg".
 *
 * A file is written to part/PATH and renamed to files/PATH when its
 * field has ended, so files/ holds only what arrived whole.  A dropped
 * connection leaves the batch RECEIVING with its whole files and the
 * part of the one under way; the client asks GET /admin/batches/ID.json
 * what arrived and sends the rest to POST /admin/batches/ID/files: the
 * missing files, and for the one cut short an "offset" field giving the
 * bytes it has, then the file from there on (its earlier bytes are kept;
 * an offset below what arrived cuts the file back to it; above it is
 * refused, 409).  A file sent again without an offset starts over.
 *
 * Caps, while the bytes stream: the batch's bytes (serve --upload-max-mb,
 * 413), its files (the pipeline's cap on entries, 413), one file (the
 * pipeline's cap a file, 413), the free disk (507: checked against the
 * Content-Length or the manifest before, every 8 MiB while writing, with
 * a margin of a twentieth of the file system, at most 256 MiB, and a
 * full disk on any write).  Past a cap, or with a full disk, the upload
 * stops and the batch is removed whole: nothing is kept, nothing of the
 * archive was touched.
 *
 * All of this runs on a thread of the upload's own (sinkq.c): the
 * server's thread only parses the body, and a slow disk slows the
 * upload, not the other connections of that thread.
 */
#include "desk_int.h"
#include "sinkq.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITE_BUF (1u << 20)            /* bytes written at a time */
#define CHECK_EVERY (8u << 20)          /* a look at the free disk */
#define VALUE_MAX 4096                  /* bytes of a plain field */
#define MANIFEST_MAX (16u << 20)        /* bytes of the manifest */
#define SKIP_MAX (1u << 20)             /* bytes of unknown fields */
#define SHEET_MAX ((uint64_t)64 << 20)  /* bytes of a catalogue sheet */
/* What a Content-Length may exceed the cap by before any of it is read:
 * the fields beside the files and each part's header lines (a request
 * with a big manifest is checked when the manifest arrives). */
#define SLACK (1u << 20)

/* What the field being received is. */
enum fkind {
	FK_NONE,                /* none yet */
	FK_CSRF,                /* the form token */
	FK_VALUE,               /* a plain field we take */
	FK_FILE,                /* a file of the batch */
	FK_SHEET,               /* the catalogue sheet */
	FK_SKIP,                /* anything else: read and dropped */
};

struct upload {
	struct desk *d;
	struct desk_batch *b;   /* NULL until made (creating) */
	int creating;           /* this request makes the batch */
	struct hd_session sess; /* the account, for the form token */
	int token_ok;           /* the csrf field came first and matched */
	int ended;              /* the body arrived (up_end ran) */
	int status;             /* 0, or the HTTP status of the failure */
	char msg[512];          /* ... and its sentence */
	char id[DESK_ID_MAX];
	uint64_t margin;        /* free disk to keep */
	/* the field being received */
	enum fkind kind;
	char *fname;            /* its name */
	char *ffile;            /* its file name, or NULL */
	uint64_t fbytes;        /* bytes of it so far */
	struct hd_buf value;    /* a plain field's value */
	uint64_t skipped;       /* bytes of fields dropped */
	int64_t offset;         /* the offset field for the next file, -1 */
	/* the file being written */
	char *path;             /* its batch path, or the sheet's name */
	char *tmp;              /* where it is written */
	char *final;            /* where it goes once whole */
	int fd;
	uint64_t written;       /* its bytes on disk */
	char *buf;              /* bytes not yet written */
	size_t nbuf;
	uint64_t unchecked;     /* bytes written since the free disk was
	                           looked at */
	GHashTable *seen;       /* paths of this request */
};

static int fail(struct upload *u, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Note the upload's failure (the first one counts): status and a
 * sentence.  Returns -1, for the sink to stop. */
static int fail(struct upload *u, int status, const char *fmt, ...)
{
	va_list ap;

	size_t n;
	int k;

	if (u->status == 0) {
		u->status = status;
		va_start(ap, fmt);
		vsnprintf(u->msg, sizeof u->msg, fmt, ap);
		va_end(ap);
		/* a sentence cut to fit ends on a whole character */
		n = strlen(u->msg);
		for (k = 0; k < 3 && n > 0 && !hd_utf8_valid(u->msg, n); k++) {
			u->msg[--n] = '\0';
		}
	}
	return -1;
}

/* n bytes in MB with one decimal, into out. */
static const char *mb(uint64_t n, char out[32])
{
	snprintf(out, 32, "%.1f MB", (double)n / 1e6);
	return out;
}

/* The 413 of a batch over the byte cap: -1. */
static int over_cap(struct upload *u)
{
	char a[32];

	return fail(u, 413, "上传的内容超过了每批 %s 的上限，上传已停止，"
		"已收到的部分已删除（上限可由服务器选项 --upload-max-mb "
		"调整）。", mb(u->d->opts.upload_max, a));
}

/* The 507 of a disk without room: -1. */
static int disk_full(struct upload *u)
{
	char a[32];
	int64_t f = desk_free_bytes(u->d->tmp);

	return fail(u, 507, "数据文件夹所在的磁盘空间不足（剩余 %s），上传已"
		"停止，已收到的部分已删除。请腾出空间后重新上传。",
		mb(f > 0 ? (uint64_t)f : 0, a));
}

/* 1 when DIR/tmp and DIR/objects share a file system: an upload then
 * needs its room twice, once to arrive and once in the store. */
static int same_disk(const struct desk *d)
{
	char *obj = hd_xasprintf("%s/objects", d->dir);
	struct stat a, b;
	int same;

	same = stat(d->tmp, &a) == 0 && stat(obj, &b) == 0 &&
		a.st_dev == b.st_dev;
	free(obj);
	return same;
}

/* The free-disk check for n more bytes to arrive: 0, or -1 after a
 * 507. */
static int room_for(struct upload *u, uint64_t n)
{
	int64_t f = desk_free_bytes(u->d->tmp);
	uint64_t need = n * (same_disk(u->d) ? 2 : 1) + u->margin;
	char a[32], b[32];

	if (f >= 0 && (uint64_t)f < need) {
		return fail(u, 507, "数据文件夹所在的磁盘空间不足：这批需要约 "
			"%s（上传一份，入库再存一份，另留余量），磁盘只剩 %s。"
			"请腾出空间后再上传。", mb(need, a), mb((uint64_t)f,
			b));
	}
	return 0;
}

/* ------------------------------------------------------------ writing */

/* Write out the buffered bytes of the file under way, start their
 * writeback (so the worker thread never waits for a flood of dirty pages
 * later), record them in the batch, and look at the free disk every
 * CHECK_EVERY bytes.  0, or -1 after a failure (507 for a full disk, 409
 * when the batch was cancelled meanwhile). */
static int flush(struct upload *u)
{
	enum desk_state st;
	int64_t f;

	if (u->nbuf == 0) {
		return 0;
	}
	if (hd_fs_write_all(u->fd, u->buf, u->nbuf) != 0) {
		if (errno == ENOSPC || errno == EDQUOT) {
			return disk_full(u);
		}
		return fail(u, 500, "无法写入上传的文件：%s", strerror(errno));
	}
	sync_file_range(u->fd, (off_t)u->written, (off_t)u->nbuf,
		SYNC_FILE_RANGE_WRITE);
	u->written += u->nbuf;
	u->unchecked += u->nbuf;
	u->nbuf = 0;
	pthread_mutex_lock(&u->d->mu);
	if (u->kind == FK_FILE) {
		desk_file_set(u->b, u->path, u->written, 0);
	}
	st = u->b->state;
	pthread_mutex_unlock(&u->d->mu);
	if (st != DESK_RECEIVING) {
		return fail(u, 409, "这个批次已经%s，上传已停止。",
			desk_state_name(st));
	}
	if (u->unchecked >= CHECK_EVERY) {
		u->unchecked = 0;
		f = desk_free_bytes(u->d->tmp);
		if (f >= 0 && (uint64_t)f < u->margin) {
			return disk_full(u);
		}
	}
	return 0;
}

/* End the file under way: whole (renamed into files/ or sheet/) when
 * complete is 1 and it was written without a failure, else kept in part
 * (a file of the batch) or dropped (a sheet). */
static void file_close(struct upload *u, int complete)
{
	struct hd_error e;
	char *parent;
	int ok = u->status == 0 && flush(u) == 0;

	if (u->fd >= 0 && close(u->fd) != 0 && ok) {
		ok = fail(u, 500, "无法写入上传的文件：%s",
			strerror(errno)) == 0;
	}
	u->fd = -1;
	if (ok && complete) {
		parent = hd_fs_parent(u->final);
		hd_err_clear(&e);
		if (hd_fs_mkdirs(parent, &e) != 0 ||
		    rename(u->tmp, u->final) != 0) {
			ok = fail(u, 400, "文件名冲突：%s 与这批里另一个文件或"
				"文件夹同名。", u->path) == 0;
		}
		free(parent);
	}
	pthread_mutex_lock(&u->d->mu);
	if (u->kind == FK_FILE) {
		desk_file_set(u->b, u->path, u->written, ok && complete);
	} else if (ok && complete) {
		free(u->b->sheet);
		u->b->sheet = hd_xstrdup(u->path);
	}
	pthread_mutex_unlock(&u->d->mu);
	if (u->kind == FK_SHEET && !(ok && complete)) {
		unlink(u->tmp);
	}
	free(u->path);
	free(u->tmp);
	free(u->final);
	u->path = u->tmp = u->final = NULL;
}

/* Open u->tmp to write a file from its start: its folders are made, an
 * earlier whole copy (u->final) goes.  0, or -1 after a 400 (the name
 * clashes with a folder or a file of the batch) or a 500. */
static int open_new(struct upload *u)
{
	struct hd_error e;
	char *p1 = hd_fs_parent(u->tmp), *p2 = hd_fs_parent(u->final);
	int bad;

	hd_err_clear(&e);
	bad = hd_fs_mkdirs(p1, &e) != 0 || hd_fs_mkdirs(p2, &e) != 0;
	free(p1);
	free(p2);
	if (!bad) {
		unlink(u->final);
		u->fd = open(u->tmp, O_WRONLY | O_CREAT | O_TRUNC |
			O_NOFOLLOW | O_CLOEXEC, 0640);
	}
	if (bad || u->fd < 0) {
		return fail(u, 400, "文件名冲突：%s 与这批里另一个文件或文件夹"
			"同名。", u->path);
	}
	u->written = 0;
	return 0;
}

/* Open u->tmp to go on from byte off of a file whose first bytes came
 * on an earlier connection (whole: the whole copy is kept, 409).  0, or
 * -1 after a 409. */
static int open_resume(struct upload *u, uint64_t off, int whole)
{
	struct stat st;

	int fd;

	if (whole) {
		return fail(u, 409, "%s 已经完整收到，不需要续传。", u->path);
	}
	fd = open(u->tmp, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || (uint64_t)st.st_size < off) {
		fail(u, 409, "%s 只收到了 %lld 字节，不能从第 %llu 字节续传。",
			u->path, fd < 0 ? 0LL : (long long)st.st_size,
			(unsigned long long)off);
	} else if (ftruncate(fd, (off_t)off) != 0 ||
	    lseek(fd, (off_t)off, SEEK_SET) < 0) {
		fail(u, 500, "无法续写 %s：%s", u->path, strerror(errno));
	} else {
		u->fd = fd;
		u->written = off;
		return 0;
	}
	if (fd >= 0) {
		close(fd);
	}
	return -1;
}

/* The folders the batch path p is in. */
static int depth_of(const char *p)
{
	int n = 0;

	for (; *p != '\0'; p++) {
		n += *p == '/';
	}
	return n;
}

/* A files field begins, named filename: check the name and the caps,
 * then open its file in part/ (from the start, or from the offset
 * field's byte).  0, or -1 after a failure. */
static int file_begin(struct upload *u, const char *filename)
{
	struct desk_batch *b = u->b;
	const struct desk_file *f;
	struct hd_error e;
	char *path = NULL;
	int rc = 0, whole = 0;

	hd_err_clear(&e);
	if (entry_name_check(filename, strlen(filename), &path, &e) != 0) {
		return fail(u, 400, "文件名不合规：%s", e.msg);
	}
	if (depth_of(path) > DESK_DEPTH_MAX) {
		free(path);
		return fail(u, 400, "文件名不合规：文件夹套了 %d 层以上（最多 "
			"%d 层）。", DESK_DEPTH_MAX, DESK_DEPTH_MAX);
	}
	if (g_hash_table_contains(u->seen, path)) {
		fail(u, 400, "这次上传里有两个文件都叫 %s。", path);
		free(path);
		return -1;
	}
	g_hash_table_add(u->seen, hd_xstrdup(path));
	pthread_mutex_lock(&u->d->mu);
	f = g_tree_lookup(b->files, path);
	whole = f != NULL && f->complete;
	if (b->manifest != NULL && !g_hash_table_contains(b->manifest,
	    path)) {
		rc = fail(u, 400, "%s 不在这批的文件清单里。", path);
	} else if (f == NULL && (size_t)g_tree_nnodes(b->files) >=
	    u->d->opts.lim.max_entries) {
		rc = fail(u, 413, "这批的文件超过了每批 %zu 个的上限，上传已"
			"停止，已收到的部分已删除。",
			u->d->opts.lim.max_entries);
	}
	pthread_mutex_unlock(&u->d->mu);
	u->path = path;
	u->tmp = hd_xasprintf("%s/part/%s", b->dir, path);
	u->final = hd_xasprintf("%s/files/%s", b->dir, path);
	u->kind = FK_FILE;
	if (rc == 0) {
		rc = u->offset > 0 ? open_resume(u, (uint64_t)u->offset,
			whole) : open_new(u);
	}
	u->offset = -1;
	if (rc == 0) {
		pthread_mutex_lock(&u->d->mu);
		desk_file_set(b, path, u->written, 0);
		pthread_mutex_unlock(&u->d->mu);
	}
	return rc;
}

/* The sheet field begins, named filename (its last part names it): an
 * earlier sheet goes, the new one is written to sheet/NAME.part.  0, or
 * -1 after a failure. */
static int sheet_begin(struct upload *u, const char *filename)
{
	struct hd_error e;
	char *path = NULL, *dir;
	const char *base;

	hd_err_clear(&e);
	if (entry_name_check(filename, strlen(filename), &path, &e) != 0) {
		return fail(u, 400, "目录表的文件名不合规：%s", e.msg);
	}
	base = strrchr(path, '/');
	u->path = hd_xstrdup(base ? base + 1 : path);
	free(path);
	dir = hd_xasprintf("%s/sheet", u->b->dir);
	hd_fs_rmtree(dir);
	u->tmp = hd_xasprintf("%s/%s.part", dir, u->path);
	u->final = hd_xasprintf("%s/%s", dir, u->path);
	free(dir);
	u->kind = FK_SHEET;
	pthread_mutex_lock(&u->d->mu);
	free(u->b->sheet);
	u->b->sheet = NULL;
	pthread_mutex_unlock(&u->d->mu);
	return open_new(u);
}

/* Bytes of a file field: buffered, written a megabyte at a time, within
 * the caps.  0, or -1 after a failure. */
static int file_data(struct upload *u, const char *data, size_t n)
{
	const struct desk_opts *o = &u->d->opts;
	uint64_t batch;
	size_t k;

	if (u->kind == FK_SHEET && u->written + u->nbuf + n > SHEET_MAX) {
		return fail(u, 413, "目录表超过了 64 MB 的上限。");
	}
	if (u->kind == FK_FILE) {
		pthread_mutex_lock(&u->d->mu);
		batch = u->b->bytes;
		pthread_mutex_unlock(&u->d->mu);
		if (batch + u->nbuf + n > o->upload_max) {
			return over_cap(u);
		}
		if (u->written + u->nbuf + n > o->lim.max_entry) {
			return fail(u, 413, "%s 超过了每个文件 %llu 字节的上限，"
				"上传已停止，已收到的部分已删除。", u->path,
				(unsigned long long)o->lim.max_entry);
		}
	}
	while (n > 0) {
		k = WRITE_BUF - u->nbuf;
		k = k < n ? k : n;
		memcpy(u->buf + u->nbuf, data, k);
		u->nbuf += k;
		data += k;
		n -= k;
		if (u->nbuf == WRITE_BUF && flush(u) != 0) {
			return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------- plain fields */

/* A code from a field (v may be ""): "" stays "", else code(v) into out
 * (n bytes).  0, or -1 after a 400 naming what. */
static int set_code(struct upload *u, const char *v,
	const char *(*code)(const char *), const char *what, char *out,
	size_t n)
{
	const char *c = *v ? code(v) : "";

	if (c == NULL) {
		return fail(u, 400, "%s“%s”不认识。", what, v);
	}
	snprintf(out, n, "%s", c);
	return 0;
}

/* The manifest field: JSON [{path, size}] into the batch, its names
 * checked as files' are, its size and count against the caps and the
 * free disk.  0, or -1 after a failure (400, 413, 507). */
static int set_manifest(struct upload *u, const char *v)
{
	json_t *a = json_loads(v, 0, NULL), *e;
	GHashTable *m;
	struct hd_error err;
	uint64_t total = 0, *sz;
	char *path, cap[32];
	size_t i;
	int rc = 0;

	if (!json_is_array(a)) {
		json_decref(a);
		return fail(u, 400, "文件清单（manifest）不是 JSON 数组。");
	}
	if (json_array_size(a) > u->d->opts.lim.max_entries) {
		json_decref(a);
		return fail(u, 413, "这批有 %zu 个文件，超过了每批 %zu 个的上限。",
			json_array_size(a), u->d->opts.lim.max_entries);
	}
	m = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	json_array_foreach(a, i, e) {
		json_t *js = json_object_get(e, "size");
		json_int_t s = json_integer_value(js);
		const char *p = json_string_value(json_object_get(e, "path"));

		hd_err_clear(&err);
		if (p == NULL) {
			rc = fail(u, 400, "文件清单里的第 %zu 项没有 path（文件在"
				"这批里的路径，一个字符串）。", i + 1);
			break;
		}
		if (entry_name_check(p, strlen(p), &path, &err) != 0) {
			rc = fail(u, 400, "文件清单里的第 %zu 项不合规：%s", i + 1,
				err.msg);
			break;
		}
		if (!json_is_integer(js) || s < 0) {
			rc = fail(u, 400, "文件清单里的第 %zu 项（%s）的 size 不是"
				"字节数（应为不小于 0 的整数）。", i + 1, path);
			free(path);
			break;
		}
		if ((uint64_t)s > u->d->opts.upload_max - total) {
			/* checked before the sum, which must not wrap */
			rc = fail(u, 413, "文件清单里的第 %zu 项（%s，%lld 字节）"
				"使这批超过了每批 %s 的上限。", i + 1, path,
				(long long)s, mb(u->d->opts.upload_max, cap));
			free(path);
			break;
		}
		sz = g_new(uint64_t, 1);
		*sz = (uint64_t)s;
		total += *sz;
		g_hash_table_replace(m, g_strdup(path), sz);
		free(path);
	}
	json_decref(a);
	if (rc == 0) {
		rc = room_for(u, total);
	}
	if (rc != 0) {
		g_hash_table_destroy(m);
		return rc;
	}
	pthread_mutex_lock(&u->d->mu);
	if (u->b->manifest != NULL) {
		g_hash_table_destroy(u->b->manifest);
	}
	u->b->manifest = m;
	u->b->manifest_bytes = total;
	pthread_mutex_unlock(&u->d->mu);
	return 0;
}

/* A plain field has arrived whole: into the batch's options (checked as
 * the command line checks them), the manifest, or the offset of the next
 * file.  0, or -1 after a failure. */
static int apply_value(struct upload *u)
{
	struct desk_batch *b = u->b;
	const char *v = u->value.p ? u->value.p : "", *n = u->fname;
	char code[16];
	char *end;
	size_t i;
	int rc = 0;

	if (strcmp(n, "manifest") == 0) {
		return set_manifest(u, v);
	}
	if (strcmp(n, "offset") == 0) {
		u->offset = (int64_t)strtoll(v, &end, 10);
		if (*v == '\0' || *end != '\0' || u->offset < 0) {
			u->offset = -1;
			return fail(u, 400, "续传位置“%s”不是字节数。", v);
		}
		return 0;
	}
	pthread_mutex_lock(&u->d->mu);
	if (strcmp(n, "category") == 0) {
		rc = set_code(u, v, hd_category_code, "门类", b->category,
			sizeof b->category);
	} else if (strcmp(n, "access") == 0) {
		rc = set_code(u, v, hd_access_code, "开放级别", b->access,
			sizeof b->access);
	} else if (strcmp(n, "retention") == 0) {
		rc = set_code(u, v, hd_retention_code, "保管期限",
			b->retention, sizeof b->retention);
	} else if (strcmp(n, "class") == 0) {
		for (i = 0; v[i] && i < sizeof code - 1; i++) {
			code[i] = (char)g_ascii_toupper(v[i]);
			rc |= !g_ascii_isalnum(v[i]);
		}
		code[i] = '\0';
		if (rc || v[i] != '\0' || i > 8) {
			rc = fail(u, 400, "机构问题代码“%s”应为 1 到 8 个字母或"
				"数字。", v);
		} else {
			snprintf(b->cls, sizeof b->cls, "%s", code);
		}
	} else if (strcmp(n, "ocr") == 0) {
		b->ocr = strcmp(v, "on") == 0 || strcmp(v, "1") == 0 ?
			OCR_ON : strcmp(v, "off") == 0 || strcmp(v, "0") == 0 ?
			OCR_OFF : OCR_AUTO;
	} else if (strcmp(n, "ocr_lang") == 0) {
		if (*v && !ocr_lang_ok(v)) {
			rc = fail(u, 400, "文字识别语言“%s”不认识（如 chi_sim、"
				"chi_tra、eng、chi_sim+eng）。", v);
		} else {
			snprintf(b->ocr_lang, sizeof b->ocr_lang, "%s", v);
		}
	}
	pthread_mutex_unlock(&u->d->mu);
	return rc;
}

/* ------------------------------------------------------------- fields */

/* The form token has arrived whole: it must match the session's; then
 * a new batch is made.  0, or -1 after a 403 (or a 500: no folder). */
static int token_done(struct upload *u)
{
	struct hd_error e;

	if (!hd_csrf_ok(&u->sess, u->value.p ? u->value.p : "")) {
		return fail(u, 403, "表单已过期或无效：请回到上一页，刷新后重新"
			"提交。");
	}
	u->token_ok = 1;
	if (!u->creating) {
		return 0;
	}
	hd_err_clear(&e);
	pthread_mutex_lock(&u->d->mu);
	u->b = desk_batch_new(u->d, u->sess.agent, &e);
	if (u->b != NULL) {
		u->b->uploading = 1;
		snprintf(u->id, sizeof u->id, "%s", u->b->id);
	}
	pthread_mutex_unlock(&u->d->mu);
	if (u->b != NULL) {
		return 0;
	}
	if (desk_free_bytes(u->d->tmp) >= 0 &&
	    (uint64_t)desk_free_bytes(u->d->tmp) < u->margin) {
		return disk_full(u);
	}
	return fail(u, 500, "无法建立上传批次：%s", e.msg);
}

/* 1 when the plain field under way is text, as the checks of its value
 * and the sentences quoting it read it: UTF-8 without a NUL, and one
 * line without control characters but in the manifest (JSON). */
static int value_is_text(const struct upload *u)
{
	const char *v = u->value.p ? u->value.p : "";
	size_t i;

	if (memchr(v, '\0', u->value.len) != NULL ||
	    !hd_utf8_valid(v, u->value.len)) {
		return 0;
	}
	for (i = 0; i < u->value.len && strcmp(u->fname, "manifest"); i++) {
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f) {
			return 0;
		}
	}
	return 1;
}

/* The field under way has ended whole: take it.  0, or -1 (a value that
 * is not text: 403 for the form token, else 400 naming the field). */
static int field_end(struct upload *u)
{
	int rc = 0;

	switch (u->kind) {
	case FK_CSRF:
		rc = value_is_text(u) ? token_done(u) : fail(u, 403,
			"表单已过期或无效：请回到上一页，刷新后重新提交。");
		break;
	case FK_VALUE:
		rc = value_is_text(u) ? apply_value(u) : fail(u, 400,
			"表单字段 %s 的内容不是一行文字（含有控制字符、NUL "
			"字节或无效的 UTF-8），上传已停止。", u->fname);
		break;
	case FK_FILE:
	case FK_SHEET:
		file_close(u, 1);
		rc = u->status ? -1 : 0;
		break;
	default:
		break;
	}
	u->kind = FK_NONE;
	hd_buf_release(&u->value);
	return rc;
}

/* A field begins: what it is, and (a file) its file opened.  The first
 * must be the form token.  0, or -1 after a failure. */
static int field_begin(struct upload *u, const char *name,
	const char *filename)
{
	static const char *const plain[] = {
		"manifest", "category", "access", "retention", "class", "ocr",
		"ocr_lang", "offset",
	};
	enum desk_state st;
	size_t i;

	free(u->fname);
	free(u->ffile);
	u->fname = hd_xstrdup(name);
	u->ffile = filename ? hd_xstrdup(filename) : NULL;
	u->fbytes = 0;
	u->kind = FK_SKIP;
	if (!u->token_ok) {
		if (strcmp(name, "csrf") != 0 || filename != NULL) {
			return fail(u, 403, "表单已过期或无效：表单令牌（csrf）"
				"必须是第一个字段。请回到上一页，刷新后重新提交。");
		}
		u->kind = FK_CSRF;
		return 0;
	}
	pthread_mutex_lock(&u->d->mu);
	st = u->b->state;
	pthread_mutex_unlock(&u->d->mu);
	if (st != DESK_RECEIVING) {
		return fail(u, 409, "这个批次已经%s，上传已停止。",
			desk_state_name(st));
	}
	if (filename != NULL && *filename != '\0') {
		if (strcmp(name, "files") == 0) {
			return file_begin(u, filename);
		}
		if (strcmp(name, "sheet") == 0) {
			return sheet_begin(u, filename);
		}
		return 0;
	}
	for (i = 0; filename == NULL && i < sizeof plain / sizeof plain[0];
	    i++) {
		if (strcmp(name, plain[i]) == 0) {
			u->kind = FK_VALUE;
		}
	}
	return 0;
}

/* 1 when a piece at offset 0 named name/filename begins a new field: a
 * field's first piece may carry no bytes, and its next then comes at
 * offset 0 too, under the same names. */
static int new_field(const struct upload *u, const char *name,
	const char *filename, uint64_t off)
{
	if (off != 0) {
		return 0;
	}
	if (u->fname == NULL || u->fbytes != 0) {
		return 1;
	}
	return strcmp(u->fname, name) != 0 || (u->ffile == NULL) !=
		(filename == NULL) || (filename != NULL &&
		strcmp(u->ffile, filename) != 0);
}

/* The sink's field function (see struct http_sink). */
static int up_field(void *ud, const char *name, const char *filename,
	const char *data, uint64_t off, size_t n)
{
	struct upload *u = ud;
	size_t cap;

	if (u->status != 0) {
		return -1;
	}
	if (new_field(u, name, filename, off) &&
	    (field_end(u) != 0 || field_begin(u, name, filename) != 0)) {
		return -1;
	}
	u->fbytes += n;
	switch (u->kind) {
	case FK_CSRF:
	case FK_VALUE:
		cap = strcmp(u->fname, "manifest") == 0 ? MANIFEST_MAX :
			VALUE_MAX;
		if (u->value.len + n > cap) {
			return fail(u, 400, "表单字段 %s 太长。", u->fname);
		}
		hd_buf_add(&u->value, data, n);
		return 0;
	case FK_FILE:
	case FK_SHEET:
		return file_data(u, data, n);
	default:
		u->skipped += n;
		return u->skipped > SKIP_MAX ? fail(u, 400, "表单里有太多不认识"
			"的内容。") : 0;
	}
}

/* For g_tree_foreach: note (ud: an int) a file that arrived in part. */
static gboolean partial_one(gpointer key, gpointer value, gpointer ud)
{
	const struct desk_file *f = value;

	(void)key;
	if (!f->complete) {
		*(int *)ud = 1;
		return TRUE;
	}
	return FALSE;
}

/* What the batch becomes now that the body has ended (under d->mu), as
 * upload_result reports it: removed (any failure of the request that
 * made it, a cap or a full disk of any request), RECEIVING (a body cut
 * short, files still to come, a failure of a later request), or
 * CHECKING once every file arrived whole. */
static void settle(struct upload *u, int complete)
{
	struct desk *d = u->d;
	struct desk_batch *b = u->b;
	int partial = 0, cut = 0;

	if (u->status == 0 && !complete) {
		cut = fail(u, 400, "上传的内容不完整。已完整收到的文件已保存，"
			"可以在批次页面继续上传。");
	}
	if (u->status == 0 && b == NULL) {
		fail(u, 403, "表单已过期或无效：请回到上一页，刷新后重新提交。");
	}
	if (b == NULL) {
		return;
	}
	if (u->status == 0 && g_tree_nnodes(b->files) == 0 &&
	    b->manifest == NULL) {
		fail(u, 400, "没有收到任何文件：请选择要导入的文件、文件夹或"
			"压缩包。");
	}
	if (u->status != 0 && !cut && (u->creating || u->status == 413 ||
	    u->status == 507)) {
		b->uploading = 0;
		desk_batch_delete(d, b);
		u->b = NULL;
		return;
	}
	if (u->status == 0) {
		g_tree_foreach(b->files, partial_one, &partial);
		if (desk_manifest_done(b) && !partial) {
			desk_set_state(d, b, DESK_CHECKING, NULL);
			return;
		}
	}
	desk_persist(d, b);
}

/* The sink's end function (see struct http_sink). */
static void up_end(void *ud, int complete)
{
	struct upload *u = ud;

	u->ended = 1;
	if (u->status == 0 && complete) {
		field_end(u);
	} else if (u->fd >= 0) {
		file_close(u, 0);
	}
	pthread_mutex_lock(&u->d->mu);
	settle(u, complete);
	pthread_mutex_unlock(&u->d->mu);
}

/* The sink's release function (see struct http_sink): a connection that
 * dropped midway leaves its file under way in part/, to be resumed; the
 * batch is let go (and its files removed if it was cancelled
 * meanwhile). */
static void up_release(void *ud)
{
	struct upload *u = ud;
	struct desk_batch *b;

	if (u->fd >= 0 && u->b != NULL) {
		file_close(u, 0);
	}
	free(u->path);
	free(u->tmp);
	free(u->final);
	pthread_mutex_lock(&u->d->mu);
	b = u->b;
	if (b != NULL) {
		b->uploading = 0;
		if (b->state == DESK_CANCELLED) {
			desk_batch_clear(u->d, b);
		} else if (!u->ended) {
			desk_persist(u->d, b);
		}
		pthread_cond_broadcast(&u->d->cv);
	}
	pthread_mutex_unlock(&u->d->mu);
	hd_buf_release(&u->value);
	g_hash_table_destroy(u->seen);
	free(u->fname);
	free(u->ffile);
	free(u->buf);
	free(u);
}

/* See desk.h. */
int upload_open(struct desk *d, const char *id, const struct admin *ad,
	uint64_t content_length, struct http_sink *sink, char *msg,
	size_t nmsg)
{
	struct upload *u = hd_xcalloc(1, sizeof *u);
	struct desk_batch *b = NULL;
	struct http_sink plain;
	uint64_t have = 0;

	u->d = d;
	u->sess = ad->s;
	u->fd = -1;
	u->offset = -1;
	hd_buf_init(&u->value);
	u->seen = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
	u->margin = desk_margin(d->tmp);
	u->buf = hd_xmalloc(WRITE_BUF);
	pthread_mutex_lock(&d->mu);
	if (id == NULL) {
		u->creating = 1;
	} else if ((b = desk_find(d, id)) == NULL) {
		fail(u, 404, "没有这个批次（%s）。", id);
	} else if (b->state != DESK_RECEIVING) {
		fail(u, 409, "这个批次已经%s，不再接收文件。",
			desk_state_name(b->state));
	} else if (b->uploading) {
		fail(u, 409, "这个批次正在另一个连接上接收文件，请稍后再试。");
	} else {
		b->uploading = 1;
		u->b = b;
		have = b->bytes;
		snprintf(u->id, sizeof u->id, "%s", b->id);
	}
	pthread_mutex_unlock(&d->mu);
	if (u->status == 0 && content_length > SLACK &&
	    have + content_length - SLACK > d->opts.upload_max) {
		over_cap(u);
	}
	if (u->status == 0 && content_length > 0) {
		room_for(u, content_length);
	}
	if (u->status != 0) {
		int status = u->status;

		snprintf(msg, nmsg, "%s", u->msg);
		up_release(u);
		return status;
	}
	plain.field = up_field;
	plain.end = up_end;
	plain.release = up_release;
	plain.behind = NULL;
	plain.resume = NULL;
	plain.ud = u;
	if (sinkq_wrap(&plain, sink) != 0) {
		snprintf(msg, nmsg, "服务器暂时无法接收上传，请稍后再试。");
		up_release(u);
		return 503;
	}
	return 0;
}

/* See desk.h. */
int upload_result(void *upload, const char **id, const char **msg)
{
	struct upload *u = sinkq_inner(upload);

	*id = u->id;
	*msg = u->msg;
	return u->status;
}
