/*
 * template.c - the exhibit's HTML templates: Mustache-like files compiled
 * once into a list of operations, with every placeholder escaped for the
 * place in the HTML where it stands.
 *
 * Guarantees.  A value reaches the page only escaped for its context
 * (HTML text, <title>/<textarea>, a quoted attribute value).  A URL
 * attribute (href, src, action...) whose value is built from data is
 * checked as a whole when rendered and replaced by "#" unless it is
 * relative or starts with http:, https:, mailto: or tel:.  A placeholder
 * where escaping cannot make data safe (inside <script> or <style>, an
 * HTML comment, an on* or style or srcset attribute, an unquoted value,
 * a tag or attribute name) fails the compile with file and line.  Only
 * values made by tmpl_html() go out raw, and only in HTML text.  A
 * section may not change the HTML context between its start and its end,
 * so what the compiler checked holds on every path through a template.
 * A render never sees a half-replaced set: refresh swaps compiled
 * templates under the write side of a rwlock, and a template that no
 * longer compiles keeps its previous version.
 *
 * Syntax (the whole of it):
 *   {{name}} {{a.b.c}} {{.}}   a value; the first part of a dotted name
 *                              is looked up from the innermost section
 *                              outwards, the rest inside what it found
 *   {{name|url}}               percent-encoded for a URL query part
 *   {{@index}} {{@number}}     position in the innermost loop, from 0
 *                              or from 1
 *   {{@first}} {{@last}}       true on the first or last loop item
 *   {{#name}}...{{/name}}      array: once per item (the item pushed);
 *                              object: once, pushed; true, a non-zero
 *                              number, a non-empty string: once;
 *                              false, null, 0, "", [] or missing: never
 *   {{^name}}...{{/name}}      once when the value is as good as false
 *   {{> name}}                 the template name.html (partials/x for
 *                              partials/x.html), in HTML text only
 *   {{! comment }}             nothing
 * Strings go out as they are (escaped), integers in decimal, reals
 * without trailing zeros, true and false as "true" and "false", null,
 * missing values, arrays and objects as nothing.
 */
#include "tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ------------------------------------------------------------- values */

/* A value for a context that {{x}} writes raw in HTML text (and escaped
 * anywhere else).  Returns a new reference (the caller owns it, usually
 * by handing it to json_object_set_new); NULL html is "". */
json_t *tmpl_html(const char *html)
{
	json_t *o = json_object();
	json_t *s = json_string_nocheck(html != NULL ? html : "");

	if (o == NULL || s == NULL ||
		json_object_setn_new_nocheck(o, HTML_KEY, HTML_KEYLEN,
		s) != 0) {
		abort();        /* out of memory: the one permitted exit */
	}
	return o;
}

/* The HTML of a tmpl_html() value, or NULL. */
static json_t *html_of(json_t *v)
{
	json_t *s;

	if (!json_is_object(v) || json_object_size(v) != 1) {
		return NULL;
	}
	s = json_object_getn(v, HTML_KEY, HTML_KEYLEN);
	return json_is_string(s) ? s : NULL;
}

enum { V_JSON, V_INT, V_BOOL };

struct val {
	int kind;
	json_t *j;              /* V_JSON; NULL when missing */
	long long i;            /* V_INT, V_BOOL */
};

struct frame {
	json_t *v;
	size_t i, n;            /* loop: position and count */
	int loop;
};

struct rstate {
	struct tmpl_set *ts;
	struct hd_buf *out;
	size_t start;           /* out->len when the render began */
	size_t url_at;          /* where the current URL value began */
	struct frame fr[TMPL_FRAMES_MAX];
	size_t nfr;
	int depth;              /* partials */
	const char *name;       /* the template asked for */
	struct hd_error *e;
};

/* The value op names in the render's current context: {{.}} the
 * innermost frame; @index, @number, @first, @last from the innermost
 * loop (missing outside one); a dotted name's first part from the
 * innermost frame that is an object holding it, the rest inside what
 * it found.  A missing value is {V_JSON, NULL}.  Borrowed references. */
static struct val lookup(const struct rstate *r, const struct prog *p,
	const struct op *op)
{
	struct val v = {V_JSON, NULL, 0};
	const struct frame *f = NULL;
	size_t k;

	if (op->pk == PK_DOT) {
		v.j = r->nfr > 0 ? r->fr[r->nfr - 1].v : NULL;
		return v;
	}
	if (op->pk != PK_NAME) {
		for (k = r->nfr; k-- > 0;) {
			if (r->fr[k].loop) {
				f = &r->fr[k];
				break;
			}
		}
		if (f == NULL) {
			return v;
		}
		v.kind = op->pk == PK_INDEX || op->pk == PK_NUMBER ? V_INT :
			V_BOOL;
		v.i = op->pk == PK_INDEX ? (long long)f->i :
			op->pk == PK_NUMBER ? (long long)f->i + 1 :
			op->pk == PK_FIRST ? f->i == 0 : f->i + 1 == f->n;
		return v;
	}
	for (k = r->nfr; k-- > 0;) {
		if (json_is_object(r->fr[k].v)) {
			v.j = json_object_get(r->fr[k].v,
				p->pool.p + p->segs[op->seg]);
			if (v.j != NULL) {
				break;
			}
		}
	}
	for (k = 1; k < op->nsegs && v.j != NULL; k++) {
		v.j = json_is_object(v.j) ? json_object_get(v.j,
			p->pool.p + p->segs[op->seg + k]) : NULL;
	}
	return v;
}

/* 1 when a section over v runs (see the syntax in the file comment):
 * true, a non-zero number, a non-empty string, array or object (an
 * empty tmpl_html() counts as empty). */
static int truthy(struct val v)
{
	json_t *h;

	if (v.kind != V_JSON) {
		return v.i != 0;
	}
	if (v.j == NULL) {
		return 0;
	}
	switch (json_typeof(v.j)) {
	case JSON_TRUE:
		return 1;
	case JSON_INTEGER:
		return json_integer_value(v.j) != 0;
	case JSON_REAL:
		return json_real_value(v.j) != 0.0;
	case JSON_STRING:
		return json_string_length(v.j) > 0;
	case JSON_ARRAY:
		return json_array_size(v.j) > 0;
	case JSON_OBJECT:
		h = html_of(v.j);
		return h == NULL || json_string_length(h) > 0;
	default:
		return 0;
	}
}

/* Write value v where op stands: integers and booleans as text, JSON
 * scalars as their text, a tmpl_html() value raw in HTML text (escaped
 * anywhere else), nothing for null, arrays and other objects.  With the
 * url filter ({{name|url}}, op->url) the text is percent-encoded (every
 * byte but letters, digits and "-._~"), else HTML-escaped. */
static void emit(struct rstate *r, const struct op *op, struct val v)
{
	char num[64];
	const char *s = num;
	size_t n = 0;
	json_t *h;
	int raw = 0;

	if (v.kind == V_INT) {
		n = (size_t)snprintf(num, sizeof num, "%lld", v.i);
	} else if (v.kind == V_BOOL) {
		s = v.i ? "true" : "false";
		n = strlen(s);
	} else if (v.j == NULL) {
		return;
	} else {
		switch (json_typeof(v.j)) {
		case JSON_STRING:
			s = json_string_value(v.j);
			n = json_string_length(v.j);
			break;
		case JSON_INTEGER:
			n = (size_t)snprintf(num, sizeof num,
				"%" JSON_INTEGER_FORMAT,
				json_integer_value(v.j));
			break;
		case JSON_REAL:
			n = (size_t)snprintf(num, sizeof num, "%.15g",
				json_real_value(v.j));
			break;
		case JSON_TRUE:
			s = "true";
			n = 4;
			break;
		case JSON_FALSE:
			s = "false";
			n = 5;
			break;
		case JSON_OBJECT:
			h = html_of(v.j);
			if (h == NULL) {
				return;
			}
			s = json_string_value(h);
			n = json_string_length(h);
			raw = 1;
			break;
		default:
			return;
		}
	}
	if (op->url) {
		/* s is NUL-terminated: a number, or a JSON string (which
		 * holds no NUL) */
		http_escape(r->out, s, NULL);
	} else if (raw && op->esc == ESC_TEXT) {
		hd_buf_add(r->out, s, n);
	} else {
		hd_buf_html(r->out, s, n);
	}
}

/* An entity our escaping or an author's may leave in an attribute and
 * that cannot stand for ':', '/', '?' or '#': its length, or 0. */
static size_t safe_entity(const char *s, size_t n)
{
	static const char *const ok[] = {"&amp;", "&lt;", "&gt;", "&quot;",
		"&#39;", NULL};
	size_t i, m;

	for (i = 0; ok[i] != NULL; i++) {
		m = strlen(ok[i]);
		if (m <= n && memcmp(s, ok[i], m) == 0) {
			return m;
		}
	}
	return 0;
}

/* 1 when the attribute value s (as written to the page) is a relative
 * URL or starts with an allowed scheme.  Browsers drop leading spaces
 * and controls and every tab and newline, so this does too; an entity
 * that could hide a ':' before the first '/', '?' or '#' fails. */
static int url_safe(const char *s, size_t n)
{
	static const char *const schemes[] = {"http", "https", "mailto",
		"tel", NULL};
	char sch[8];
	size_t i = 0, k = 0, m;
	int bad = 0;

	while (i < n && (unsigned char)s[i] <= 0x20) {
		i++;
	}
	for (; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch == '\t' || ch == '\n' || ch == '\r') {
			continue;
		}
		if (ch == '/' || ch == '?' || ch == '#') {
			return 1;
		}
		if (ch == ':') {
			if (bad || k == 0) {
				return 0;
			}
			sch[k] = '\0';
			for (m = 0; schemes[m] != NULL; m++) {
				if (strcmp(sch, schemes[m]) == 0) {
					return 1;
				}
			}
			return 0;
		}
		if (ch == '&') {
			m = safe_entity(s + i, n - i);
			if (m == 0) {
				return 0;
			}
			i += m - 1;
			bad = 1;
			continue;
		}
		if (k < sizeof sch - 1 && (tmpl_is_alpha(ch) ||
			(ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ||
			ch == '.')) {
			sch[k++] = (char)tmpl_lower(ch);
		} else {
			bad = 1;
		}
	}
	return 1;
}

static const struct prog *find_prog(const struct tmpl_set *ts,
	const char *name);

static int run(struct rstate *r, const struct prog *p, size_t from,
	size_t to);

/* Enter a section: push v as the innermost frame (loop: item i of n).
 * 0, or HD_ELIMIT past TMPL_FRAMES_MAX frames. */
static int push(struct rstate *r, json_t *v, size_t i, size_t n, int loop)
{
	struct frame *f;

	if (r->nfr == TMPL_FRAMES_MAX) {
		return hd_err(r->e, HD_ELIMIT, "%s: sections nested deeper "
			"than %d", r->name, TMPL_FRAMES_MAX);
	}
	f = &r->fr[r->nfr++];
	f->v = v;
	f->i = i;
	f->n = n;
	f->loop = loop;
	return 0;
}

/* 0 while this render has written at most TMPL_OUT_MAX bytes, else
 * HD_ELIMIT (a loop over a huge array, partials multiplying). */
static int too_big(struct rstate *r)
{
	if (r->out->len - r->start > TMPL_OUT_MAX) {
		return hd_err(r->e, HD_ELIMIT, "%s: the page passes %u MiB",
			r->name, TMPL_OUT_MAX >> 20);
	}
	return 0;
}

/* Render the section (or inverted section) that starts at op at and
 * ends at its op->end: an inverted one once when the value is not
 * truthy; else an array once per item (or once, not pushed, for a
 * section inside a tag, which never loops), an object or another JSON
 * value once pushed, an @ value once.  0 or the first error. */
static int section(struct rstate *r, const struct prog *p, size_t at)
{
	const struct op *op = &p->ops[at];
	struct val v = lookup(r, p, op);
	size_t i, n;
	int rc;

	if (op->kind == OP_INV) {
		return truthy(v) ? 0 : run(r, p, at + 1, op->end);
	}
	if (!truthy(v)) {
		return 0;
	}
	if (v.kind != V_JSON || (json_is_array(v.j) && op->once)) {
		return run(r, p, at + 1, op->end);
	}
	if (!json_is_array(v.j)) {
		rc = push(r, v.j, 0, 0, 0);
		if (rc == 0) {
			rc = run(r, p, at + 1, op->end);
			r->nfr--;
		}
		return rc;
	}
	n = json_array_size(v.j);
	for (i = 0; i < n; i++) {
		rc = push(r, json_array_get(v.j, i), i, n, 1);
		if (rc != 0) {
			return rc;
		}
		rc = run(r, p, at + 1, op->end);
		r->nfr--;
		if (rc == 0) {
			rc = too_big(r);
		}
		if (rc != 0) {
			return rc;
		}
	}
	return 0;
}

/* Render the ops [from, to) of p into r->out: text as it is, values by
 * emit, sections by section, partials by their own program (HD_ENOTFOUND
 * when missing, HD_ELIMIT past TMPL_PARTIAL_MAX deep), and a URL
 * attribute's value, once written, replaced by "#" unless url_safe.
 * 0, or the first error (r->e set); what was written stays. */
static int run(struct rstate *r, const struct prog *p, size_t from,
	size_t to)
{
	const struct prog *q;
	const struct op *op;
	size_t i = from;
	int rc;

	while (i < to) {
		op = &p->ops[i];
		switch (op->kind) {
		case OP_TEXT:
			hd_buf_add(r->out, p->pool.p + op->off, op->len);
			i++;
			break;
		case OP_VAR:
			emit(r, op, lookup(r, p, op));
			rc = too_big(r);
			if (rc != 0) {
				return rc;
			}
			i++;
			break;
		case OP_SECT:
		case OP_INV:
			rc = section(r, p, i);
			if (rc != 0) {
				return rc;
			}
			i = op->end;
			break;
		case OP_PARTIAL:
			q = find_prog(r->ts, p->pool.p + op->off);
			if (q == NULL) {
				return hd_err(r->e, HD_ENOTFOUND, "%s: partial "
					"%s not found", r->name,
					p->pool.p + op->off);
			}
			if (r->depth == TMPL_PARTIAL_MAX) {
				return hd_err(r->e, HD_ELIMIT, "%s: partials "
					"nested deeper than %d (%s includes "
					"itself?)", r->name, TMPL_PARTIAL_MAX,
					p->pool.p + op->off);
			}
			r->depth++;
			rc = run(r, q, 0, q->nops);
			r->depth--;
			if (rc != 0) {
				return rc;
			}
			i++;
			break;
		case OP_URL_BEGIN:
			r->url_at = r->out->len;
			i++;
			break;
		case OP_URL_END:
			if (!url_safe(r->out->p + r->url_at,
				r->out->len - r->url_at)) {
				r->out->len = r->url_at;
				hd_buf_add(r->out, "#", 1);
			}
			i++;
			break;
		default:
			i++;
			break;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- sets */

struct fid {                    /* what tells a file changed */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtim;
};

struct tfile {
	char *name;             /* "record.html", "partials/x.html" */
	char *path;             /* the file its prog came from */
	struct fid id;
	char *seen_path;        /* the last version tried (errors are */
	struct fid seen;        /* reported once per version) */
	struct prog *prog;      /* NULL: never compiled */
};

struct tmpl_set {
	pthread_rwlock_t lock;  /* renders: shared; swaps: exclusive */
	pthread_mutex_t mu;     /* one refresh at a time */
	char **dirs;
	size_t ndirs;
	struct tfile *f;        /* sorted by name */
	size_t nf;
	atomic_llong next_ms;   /* monotonic ms of the next check */
};

struct cand {
	char *name;
	char *path;
	struct fid id;
	size_t order;           /* folder index: earlier wins */
};

/* Milliseconds on the monotonic clock (when to look at the files). */
static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* 1 when a and b are the same version of a file. */
static int fid_eq(const struct fid *a, const struct fid *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
		a->mtim.tv_sec == b->mtim.tv_sec &&
		a->mtim.tv_nsec == b->mtim.tv_nsec;
}

/* qsort/bsearch order of struct tfile: by name. */
static int tfile_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tfile *)a)->name,
		((const struct tfile *)b)->name);
}

/* qsort order of struct cand: by name, then earlier folder first. */
static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	if (d != 0) {
		return d;
	}
	return x->order < y->order ? -1 : x->order > y->order;
}

/* The set's entry for template name, or NULL. */
static struct tfile *find_file(const struct tmpl_set *ts, const char *name)
{
	struct tfile key;

	key.name = (char *)name;
	if (ts->nf == 0) {
		return NULL;
	}
	return bsearch(&key, ts->f, ts->nf, sizeof *ts->f, tfile_cmp);
}

/* The compiled program of template name, or NULL (none, or it never
 * compiled, or no set: ts NULL). */
static const struct prog *find_prog(const struct tmpl_set *ts,
	const char *name)
{
	struct tfile *t = ts != NULL ? find_file(ts, name) : NULL;

	return t != NULL ? t->prog : NULL;
}

/* Free v[0..n) and v. */
static void cands_free(struct cand *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

/* List the *.html files of one folder (and of its partials/ and
 * print/: the printed documents, which the desk's pages render too). */
static int scan_dir(const char *dir, size_t order, struct cand **v,
	size_t *n, size_t *cap, struct hd_error *e)
{
	static const char *const subs[] = {"", "partials/", "print/"};
	struct dirent *de;
	struct stat st;
	char *dp, *path;
	size_t s, len;
	DIR *d;

	for (s = 0; s < sizeof subs / sizeof subs[0]; s++) {
		dp = hd_xasprintf("%s/%s", dir, subs[s]);
		d = opendir(dp);
		if (d == NULL) {
			int err = errno;

			free(dp);
			if (err == ENOENT || err == ENOTDIR) {
				continue;
			}
			return hd_err(e, HD_EIO, "%s%s%.*s: %s", dir,
				s ? "/" : "", (int)strlen(subs[s]) - (s > 0),
				subs[s], strerror(err));
		}
		for (;;) {
			de = readdir(d);
			if (de == NULL) {
				break;
			}
			len = strlen(de->d_name);
			if (de->d_name[0] == '.' || len < 6 ||
				strcmp(de->d_name + len - 5, ".html") != 0 ||
				len + strlen(subs[s]) > TMPL_NAME_MAX) {
				continue;
			}
			path = hd_xasprintf("%s%s", dp, de->d_name);
			if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
				free(path);
				continue;
			}
			if (*n == TMPL_FILES_MAX * 2) {
				free(path);
				closedir(d);
				free(dp);
				return hd_err(e, HD_ELIMIT, "%s: more than %d "
					"templates", dir, TMPL_FILES_MAX);
			}
			if (*n == *cap) {
				*cap = *cap ? 2 * *cap : 64;
				*v = hd_xrealloc(*v, *cap * sizeof **v);
			}
			(*v)[*n].name = hd_xasprintf("%s%s", subs[s],
				de->d_name);
			(*v)[*n].path = path;
			(*v)[*n].id.dev = st.st_dev;
			(*v)[*n].id.ino = st.st_ino;
			(*v)[*n].id.size = st.st_size;
			(*v)[*n].id.mtim = st.st_mtim;
			(*v)[*n].order = order;
			(*n)++;
		}
		closedir(d);
		free(dp);
	}
	return 0;
}

/* Every template file of the set's folders, the first folder's winning,
 * sorted by name.  Folders that do not exist are empty. */
static int scan(const struct tmpl_set *ts, struct cand **out, size_t *nout,
	struct hd_error *e)
{
	struct cand *v = NULL;
	size_t n = 0, cap = 0, i, j;
	int rc;

	for (i = 0; i < ts->ndirs; i++) {
		rc = scan_dir(ts->dirs[i], i, &v, &n, &cap, e);
		if (rc != 0) {
			cands_free(v, n);
			return rc;
		}
	}
	if (n > 0) {
		qsort(v, n, sizeof *v, cand_cmp);
	}
	for (i = j = 0; i < n; i++) {
		if (j > 0 && strcmp(v[j - 1].name, v[i].name) == 0) {
			free(v[i].name);
			free(v[i].path);
			continue;
		}
		v[j++] = v[i];
	}
	if (j > TMPL_FILES_MAX) {
		cands_free(v, j);
		return hd_err(e, HD_ELIMIT, "more than %d templates",
			TMPL_FILES_MAX);
	}
	*out = v;
	*nout = j;
	return 0;
}

/* Read and compile the template file at path into *out (free with
 * tmpl_prog_free).  0, HD_EIO, HD_ELIMIT over TMPL_FILE_MAX bytes,
 * HD_EINVAL for invalid UTF-8 or what tmpl_compile refuses. */
static int compile_file(const char *path, struct prog **out,
	struct hd_error *e)
{
	unsigned char *buf;
	size_t n;
	int more = 0, rc;

	if (hd_read_file(path, TMPL_FILE_MAX, &buf, &n, &more) != 0) {
		return hd_err(e, HD_EIO, "%s: %s", path, strerror(errno));
	}
	if (more) {
		free(buf);
		return hd_err(e, HD_ELIMIT, "%s: larger than %d KiB", path,
			TMPL_FILE_MAX / 1024);
	}
	if (!hd_utf8_valid((const char *)buf, n)) {
		free(buf);
		return hd_err(e, HD_EINVAL, "%s: not valid UTF-8", path);
	}
	rc = tmpl_compile(path, (const char *)buf, n, out, e);
	free(buf);
	return rc;
}

/* Every partial p names must be a template with a program; have(name)
 * says so. */
static int link_check(const char *path, const struct prog *p,
	int (*have)(const void *, const char *), const void *arg,
	struct hd_error *e)
{
	size_t i;

	for (i = 0; i < p->nops; i++) {
		if (p->ops[i].kind == OP_PARTIAL &&
			!have(arg, p->pool.p + p->ops[i].off)) {
			return hd_err(e, HD_EINVAL, "%s:%u: partial %s not "
				"found", path, p->ops[i].line,
				p->pool.p + p->ops[i].off);
		}
	}
	return 0;
}

/* For link_check: 1 when the set arg has a program for name. */
static int have_in_set(const void *arg, const char *name)
{
	return find_prog(arg, name) != NULL;
}

/* Free what entry t holds (not t). */
static void tfile_release(struct tfile *t)
{
	free(t->name);
	free(t->path);
	free(t->seen_path);
	tmpl_prog_free(t->prog);
}

/* Free the set and every compiled template.  No render or refresh may
 * be running.  Accepts NULL. */
void tmpl_close(struct tmpl_set *ts)
{
	size_t i;

	if (ts == NULL) {
		return;
	}
	for (i = 0; i < ts->nf; i++) {
		tfile_release(&ts->f[i]);
	}
	free(ts->f);
	for (i = 0; i < ts->ndirs; i++) {
		free(ts->dirs[i]);
	}
	free(ts->dirs);
	pthread_rwlock_destroy(&ts->lock);
	pthread_mutex_destroy(&ts->mu);
	free(ts);
}

/* Load and compile every *.html (and partials/ *.html) of the folders,
 * the earlier folder winning by name; a folder that does not exist is
 * empty.  Returns 0 with *out (free with tmpl_close); HD_EINVAL with
 * "path:line: why" when a template does not compile or names a missing
 * partial; HD_ELIMIT for a file over 256 KiB or more than 1024 files;
 * HD_ENOTFOUND when no folder holds a template; HD_EIO. */
int tmpl_open(struct tmpl_set **out, const char *const *dirs, size_t ndirs,
	struct hd_error *e)
{
	struct tmpl_set *ts;
	struct cand *v = NULL;
	size_t n = 0, i;
	int rc;

	*out = NULL;
	if (dirs == NULL || ndirs == 0) {
		return hd_err(e, HD_EUSAGE, "tmpl_open: no folders");
	}
	ts = hd_xcalloc(1, sizeof *ts);
	/* Writers first: a refresh must not starve behind 8 renderers. */
	site_rwlock_init(&ts->lock);
	pthread_mutex_init(&ts->mu, NULL);
	ts->dirs = hd_xcalloc(ndirs, sizeof *ts->dirs);
	for (i = 0; i < ndirs; i++) {
		ts->dirs[i] = hd_xstrdup(dirs[i]);
	}
	ts->ndirs = ndirs;
	rc = scan(ts, &v, &n, e);
	if (rc != 0) {
		goto fail;
	}
	if (n == 0) {
		rc = hd_err(e, HD_ENOTFOUND, "%s: no templates (*.html)",
			dirs[ndirs - 1]);
		goto fail;
	}
	ts->f = hd_xcalloc(n, sizeof *ts->f);
	for (i = 0; i < n; i++) {
		struct tfile *t = &ts->f[ts->nf++];

		t->name = v[i].name;
		t->path = v[i].path;
		t->id = v[i].id;
		t->seen = v[i].id;
		t->seen_path = hd_xstrdup(v[i].path);
		v[i].name = v[i].path = NULL;
		rc = compile_file(t->path, &t->prog, e);
		if (rc != 0) {
			goto fail;
		}
	}
	for (i = 0; i < ts->nf; i++) {
		rc = link_check(ts->f[i].path, ts->f[i].prog, have_in_set, ts,
			e);
		if (rc != 0) {
			goto fail;
		}
	}
	cands_free(v, n);
	atomic_store(&ts->next_ms, now_ms() + TMPL_CHECK_MS);
	*out = ts;
	return 0;
fail:
	cands_free(v, n);
	tmpl_close(ts);
	return rc;
}

struct upd {
	struct cand *c;         /* the file (owned by the cands list) */
	struct tfile *t;        /* its current entry, or NULL for new */
	struct prog *prog;      /* NULL when it failed */
};

struct upd_view {
	const struct tmpl_set *ts;
	const struct upd *u;
	size_t n;
};

/* For link_check during a refresh: 1 when name will have a program
 * once the updates in the struct upd_view arg are swapped in (a new
 * or recompiled one, or the one it keeps). */
static int have_after(const void *arg, const char *name)
{
	const struct upd_view *w = arg;
	size_t i;

	for (i = 0; i < w->n; i++) {
		if (strcmp(w->u[i].c->name, name) == 0) {
			return w->u[i].prog != NULL ||
				(w->u[i].t != NULL && w->u[i].t->prog != NULL);
		}
	}
	return find_prog(w->ts, name) != NULL;
}

/* Holding ts->mu: compile what changed, then swap it in. */
static int refresh_locked(struct tmpl_set *ts, int force,
	struct hd_error *e)
{
	struct hd_error err2, *first = e;
	struct cand *v = NULL;
	struct upd *u = NULL;
	struct upd_view w;
	struct prog **old = NULL;
	size_t n = 0, nu = 0, nold = 0, nnew = 0, i;
	int rc, ret = 0;
	struct tfile *t;

	rc = scan(ts, &v, &n, e);
	if (rc != 0) {
		return rc;
	}
	u = hd_xcalloc(n ? n : 1, sizeof *u);
	for (i = 0; i < n; i++) {
		t = find_file(ts, v[i].name);
		if (t != NULL && !force && t->prog != NULL &&
			strcmp(t->path, v[i].path) == 0 &&
			fid_eq(&t->id, &v[i].id)) {
			continue;
		}
		if (t != NULL && !force && t->seen_path != NULL &&
			strcmp(t->seen_path, v[i].path) == 0 &&
			fid_eq(&t->seen, &v[i].id)) {
			continue;   /* this version failed: said once */
		}
		u[nu].c = &v[i];
		u[nu].t = t;
		rc = compile_file(v[i].path, &u[nu].prog, ret ? &err2 : first);
		if (rc != 0 && ret == 0) {
			ret = rc;
		}
		nu++;
	}
	w.ts = ts;
	w.u = u;
	w.n = nu;
	for (i = 0; i < nu; i++) {
		if (u[i].prog == NULL) {
			continue;
		}
		rc = link_check(u[i].c->path, u[i].prog, have_after, &w,
			ret ? &err2 : first);
		if (rc != 0) {
			tmpl_prog_free(u[i].prog);
			u[i].prog = NULL;
			if (ret == 0) {
				ret = rc;
			}
		}
	}
	if (nu == 0) {
		free(u);
		cands_free(v, n);
		return 0;
	}
	old = hd_xcalloc(nu, sizeof *old);
	pthread_rwlock_wrlock(&ts->lock);
	for (i = 0; i < nu; i++) {
		nnew += u[i].t == NULL;
	}
	if (nnew > 0) {
		ts->f = hd_xrealloc(ts->f, (ts->nf + nnew) * sizeof *ts->f);
	}
	/* the entries already there first, while the array is sorted */
	for (i = 0; i < nu; i++) {
		u[i].t = u[i].t != NULL ? find_file(ts, u[i].c->name) : NULL;
	}
	for (i = 0; i < nu; i++) {
		struct cand *c = u[i].c;

		t = u[i].t;
		if (t == NULL) {
			t = &ts->f[ts->nf++];
			memset(t, 0, sizeof *t);
			t->name = hd_xstrdup(c->name);
		}
		free(t->seen_path);
		t->seen_path = hd_xstrdup(c->path);
		t->seen = c->id;
		if (u[i].prog != NULL) {
			old[nold++] = t->prog;
			t->prog = u[i].prog;
			free(t->path);
			t->path = hd_xstrdup(c->path);
			t->id = c->id;
		}
	}
	if (nnew > 0) {
		qsort(ts->f, ts->nf, sizeof *ts->f, tfile_cmp);
	}
	pthread_rwlock_unlock(&ts->lock);
	for (i = 0; i < nold; i++) {
		tmpl_prog_free(old[i]);
	}
	free(old);
	free(u);
	cands_free(v, n);
	return ret;
}

/* Rescan the folders (at most once a second unless force; a call that
 * finds another thread refreshing returns at once) and recompile files
 * that changed, appeared, or now come from another folder.  Compiled
 * templates are swapped in under the write lock; one that fails keeps
 * its previous version, and its error is returned once per version of
 * the file (force reports it again).  Returns 0 or the first error. */
int tmpl_refresh(struct tmpl_set *ts, int force, struct hd_error *e)
{
	long long now = now_ms();
	int rc;

	if (ts == NULL) {
		return hd_err(e, HD_EUSAGE, "tmpl_refresh: no set");
	}
	if (!force) {
		if (now < atomic_load(&ts->next_ms)) {
			return 0;
		}
		if (pthread_mutex_trylock(&ts->mu) != 0) {
			return 0;   /* another thread is at it */
		}
		if (now < atomic_load(&ts->next_ms)) {
			pthread_mutex_unlock(&ts->mu);
			return 0;
		}
	} else {
		pthread_mutex_lock(&ts->mu);
	}
	rc = refresh_locked(ts, force, e);
	atomic_store(&ts->next_ms, now_ms() + TMPL_CHECK_MS);
	pthread_mutex_unlock(&ts->mu);
	return rc;
}

/* Render program p (of template name, for messages) with ctx appended
 * to out; ts (NULL: none) gives the partials.  Returns 0 or the first
 * error, out then left as it was.  Allocates only out's growth. */
static int render_prog(struct tmpl_set *ts, const struct prog *p,
	const char *name, json_t *ctx, struct hd_buf *out, struct hd_error *e)
{
	struct rstate *r;
	size_t start = out->len;
	int rc;

	/* the frames are 4 KiB: keep them off small thread stacks */
	r = hd_xmalloc(sizeof *r);
	r->ts = ts;
	r->out = out;
	r->start = start;
	r->url_at = start;
	r->nfr = 0;
	r->depth = 0;
	r->name = name;
	r->e = e;
	rc = ctx != NULL ? push(r, ctx, 0, 0, 0) : 0;
	if (rc == 0) {
		rc = run(r, p, 0, p->nops);
	}
	free(r);
	if (rc != 0 && out->p != NULL) {
		out->len = start;   /* no half page */
		out->p[start] = '\0';
	}
	return rc;
}

/* Append template name ("record.html", or "record") rendered with ctx
 * to out.  ctx is only read (it may be shared between threads).  Returns
 * 0; HD_ENOTFOUND (unknown template or partial); HD_ELIMIT (page over
 * 8 MiB, partials deeper than 16, sections deeper than 128).  On an
 * error out is left as it was. */
int tmpl_render(struct tmpl_set *ts, const char *name, json_t *ctx,
	struct hd_buf *out, struct hd_error *e)
{
	const struct prog *p;
	char alt[TMPL_NAME_MAX + 8];
	int rc;

	if (ts == NULL || name == NULL || out == NULL) {
		return hd_err(e, HD_EUSAGE, "tmpl_render: missing argument");
	}
	pthread_rwlock_rdlock(&ts->lock);
	p = find_prog(ts, name);
	if (p == NULL && strlen(name) < TMPL_NAME_MAX &&
		strchr(name, '.') == NULL) {
		snprintf(alt, sizeof alt, "%s.html", name);
		p = find_prog(ts, alt);
	}
	if (p == NULL) {
		pthread_rwlock_unlock(&ts->lock);
		return hd_err(e, HD_ENOTFOUND, "template %s not found", name);
	}
	rc = render_prog(ts, p, name, ctx, out, e);
	pthread_rwlock_unlock(&ts->lock);
	return rc;
}

/* tmpl_render_text: see site.h.  Returns 0; HD_EINVAL when src does not
 * compile ("name:line: why"); HD_ENOTFOUND for a partial; HD_ELIMIT as
 * tmpl_render.  The program is freed before returning. */
int tmpl_render_text(const char *name, const char *src, size_t n,
	json_t *ctx, struct hd_buf *out, struct hd_error *e)
{
	struct prog *p = NULL;
	int rc;

	if (n > TMPL_FILE_MAX) {
		return hd_err(e, HD_ELIMIT, "%s: larger than %d KiB", name,
			TMPL_FILE_MAX / 1024);
	}
	rc = tmpl_compile(name, src, n, &p, e);
	if (rc == 0) {
		rc = render_prog(NULL, p, name, ctx, out, e);
	}
	tmpl_prog_free(p);
	return rc;
}
