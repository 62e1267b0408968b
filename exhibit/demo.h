/*
 * demo.h - the demonstrations of archive procedures (档案工作演示): the
 * steps read from the archive's own procedure records (demo_steps.c),
 * the sandboxes the demonstrations work in (sandbox.c) and the template
 * and material they are made from (demo_template.c).
 */
#ifndef HD_DEMO_H
#define HD_DEMO_H

#include "site.h"

/* The procedures demonstrated (page_demo.c). */
#define DEMO_NPROCS 6

/* Steps of a procedure at most, and characters of a step's text. */
#define DEMO_STEPS_MAX 12
#define DEMO_STEP_TEXT 300

/* The steps of a procedure from its text: a JSON array of {title, text}
 * (at most DEMO_STEPS_MAX, text at most DEMO_STEP_TEXT characters),
 * empty when the text lists none.  Read are numbered items ("1." "1、"
 * "1）" "（一）" "一、" "（1）" "第一步"), bullets ("-" "•" "·" "*" and
 * the like) and Markdown headings ("##"); an item "登记：填写…" is the
 * step 登记 with its text.  Which of them are the steps:
 *   1. the items (or else the sub-headings) of a section whose heading
 *      names the steps (步骤, 流程, 程序, 环节);
 *   2. else the numbered items of the outermost numbering, when there
 *      are two or more and the text has fewer than three sections or
 *      most items are titled ("登记：…");
 *   3. else three or more section headings, each with its first
 *      paragraph (or its items) as the text;
 *   4. else the items of the outermost list of any kind;
 *   5. else the section headings.
 * A first heading that is the only one of its level is the document's
 * title, not a section.  Returns a new array (caller decrefs). */
json_t *demo_steps_parse(const char *text);

/* The steps of procedure record r (loaded by hd_record_get from a): the
 * first of its files, in order, whose text (HTML read through its
 * outline, plain text and Markdown as written) gives steps, else its
 * description.  Returns a new array as demo_steps_parse does. */
json_t *demo_steps_of(struct hd_archive *a, const struct hd_record *r);

/* ------------------------------------------------------- sandboxes */

/* A sandbox is a scratch data folder, one per demonstration session (a
 * kiosk, told apart by its cookie), copied from a template made when
 * the server starts.  The real archive is only ever read: to make the
 * template's material from its approved public records. */
struct demo_pool;
struct sandbox;

/* What the pool allows. */
struct demo_limits {
	int max;                /* sandboxes at once (past it: busy) */
	int idle;               /* seconds unused before one is reclaimed */
	int life;               /* seconds one lives at most */
	uint64_t bytes;         /* bytes on disk one may hold at most */
};
#define DEMO_MAX_DEFAULT 16
#define DEMO_IDLE_DEFAULT 300
#define DEMO_LIFE_DEFAULT 3600
#define DEMO_BYTES_DEFAULT ((uint64_t)64 << 20)
/* Threads that run the slow steps (OCR) of the sandboxes at most: one a
 * processor up to this. */
#define DEMO_WORKERS 4
/* Past the cap, a sandbox unused this long is taken for a newcomer. */
#define DEMO_EVICT_S 60
/* How long a request waits for the template to be made. */
#define DEMO_READY_WAIT_S 30

/* The material a template is made of (demo_template.c), in the pool's
 * folder: files a visitor hands in, and what the template holds. */
struct demo_material {
	char *dir;              /* the material folder */
	char *photo;            /* a photograph with EXIF to donate */
	char *photo_title;
	char *letter;           /* a letter (text) to donate */
	char *scan;             /* a scanned page (300 dpi JPEG) to donate */
	char *page;             /* the page digitised (300 dpi JPEG) */
	char *page_text;        /* the text printed on it */
	char *restricted_ref;   /* the template's restricted record */
	char *pending_ref;      /* its record waiting for review */
	char **refs;            /* its approved public records */
	size_t nrefs;
	char *account;          /* the account consultations are for */
};

/* Make the pool of the data folder dir: its folder DIR/tmp/demo-PID-N
 * (locked while the pool lives), after removing the folders of pools
 * whose server is gone.  The template is made later (demo_pool_prepare).
 * 0, or HD_EIO with e set.  *out: free with demo_pool_free. */
int demo_pool_new(const char *dir, const struct demo_limits *lim,
	struct demo_pool **out, struct hd_error *e);
/* Make the material and the template from the archive in the pool's
 * data folder (read only); wakes the requests waiting for it.  Run on
 * the server's upkeep thread at the start.  0, or the failure (also
 * given to every request from then on). */
int demo_pool_prepare(struct demo_pool *p, struct hd_error *e);
/* Remove every sandbox, the template and the pool's folder; NULL is
 * ignored.  No request may be using the pool. */
void demo_pool_free(struct demo_pool *p);
/* Reclaim the sandboxes unused for lim.idle seconds, older than
 * lim.life or bigger than lim.bytes, and those of ended sessions; first
 * bring the template's readings up to the last slot (e set when that
 * failed: its slots are left out, the next ones come).  Returns how
 * many were removed.  Called every second by the server's upkeep. */
int demo_pool_reap(struct demo_pool *p, struct hd_error *e);
/* How many sandboxes there are. */
int demo_pool_count(struct demo_pool *p);
/* The material (valid once prepared, for the pool's life). */
const struct demo_material *demo_pool_material(struct demo_pool *p);

/* The sandbox of session key (64 hex digits), made from the template
 * when there is none and create is 1 (*made = 1 then; it takes at most
 * a copy of a small folder): returned locked for this request, to be
 * given back with demo_sandbox_leave.  Waits up to DEMO_READY_WAIT_S
 * for the template.  HD_ENOTFOUND (no sandbox, create 0), HD_EBUSY (the
 * template is not ready, or the cap is reached and no sandbox has been
 * unused for DEMO_EVICT_S), HD_EIO with e set. */
int demo_sandbox_enter(struct demo_pool *p, const char *key, int create,
	struct sandbox **out, int *made, struct hd_error *e);
/* Give back a sandbox taken by demo_sandbox_enter. */
void demo_sandbox_leave(struct demo_pool *p, struct sandbox *sb);
/* Make sb (entered) a fresh copy of the template: everything done in it
 * is gone.  0 or HD_EIO. */
int demo_sandbox_reset(struct demo_pool *p, struct sandbox *sb,
	struct hd_error *e);
/* End session key: its sandbox is removed now, or by the reaper when a
 * request still holds it.  Unknown keys are ignored. */
void demo_sandbox_end(struct demo_pool *p, const char *key);
/* The sandbox's writable archive handle, data folder and the
 * demonstrations' progress (an object owned by the sandbox, emptied by
 * a reset). */
struct hd_archive *demo_sandbox_archive(struct sandbox *sb);
const char *demo_sandbox_dir(const struct sandbox *sb);
json_t *demo_sandbox_state(struct sandbox *sb);

/* ------------------------------------------------- demonstrations */

/* A step of a demonstration at work: what its function is given. */
struct demo_run {
	struct hd_archive *a;           /* the sandbox's archive */
	const char *dir;                /* the sandbox's folder */
	const struct demo_material *m;
	const struct http_req *req;     /* the step's form (POST) */
	json_t *st;                     /* this demonstration's state: each
	                                   done step's result by its key,
	                                   and what steps leave for later
	                                   ones */
	struct hd_error e;              /* why the step did not run */
};

/* One step: a key (its form's field "step" and its result's key in the
 * state), a short title, what the archive's machinery does in it, and
 * the function doing it.  run returns 0 with *result set (a new
 * object, kept in the state), HD_EINVAL when the visitor's input is
 * refused (r->e says why, in Chinese, naming the field; nothing was
 * changed), another code when the sandbox failed. */
struct demo_step {
	const char *key;
	const char *title;
	const char *what;
	int again;                      /* 1: may be done again (a search) */
	int slow;                       /* 1: seconds of work (OCR): done
	                                   by the pool's worker, the page
	                                   saying so meanwhile */
	int (*run)(struct demo_run *r, json_t **result);
};

/* A slow step given to the pool's worker (demo_sandbox_queue): run is
 * called on the worker's thread with a demo_run of its own (a handle to
 * the sandbox's folder, no form, st an empty object for what the step
 * leaves for later ones); then finish, under the sandbox's lock, with
 * the sandbox's whole state, rc and result (finish owns it) and that
 * object, unless the sandbox was reset meanwhile. */
struct demo_work {
	const char *slug;
	const char *key;
	int index;                      /* the step's place */
	int (*run)(struct demo_run *r, json_t **result);
	void (*finish)(json_t *state, const struct demo_work *w, int rc,
		json_t *result, json_t *left, const struct hd_error *e);
};
/* Queue w for the sandbox sb (entered by the caller).  0, or HD_EIO
 * when the pool has no worker. */
int demo_sandbox_queue(struct demo_pool *p, struct sandbox *sb,
	const struct demo_work *w, struct hd_error *e);

struct demo_def {
	const char *slug;
	const struct demo_step *steps;
	size_t nsteps;
};

/* The demonstration of procedure slug (collect, review, consult:
 * demo_intake.c; transfer, digitise, storage: demo_keep.c), or NULL. */
const struct demo_def *demo_def_of(const char *slug);
extern const struct demo_def demo_collect, demo_review, demo_consult;
extern const struct demo_def demo_transfer, demo_digitise, demo_storage;

/* Values for a step's form when it is the current one, beyond what the
 * template writes itself (choices read from the sandbox), into ctx. */
void demo_form_values(const struct demo_def *d, const char *key,
	struct demo_run *r, json_t *ctx);

/* The URL of a thumbnail of object sha in the session's sandbox,
 * "/demo/img/SHA.jpg" (page_demo.c).  Caller frees. */
char *demo_img_url(const char *sha);

/* What the demonstrations share (demo_intake.c). */

/* An ISO 8601 UTC time as China time, "YYYY-MM-DD HH:MM:SS", into out
 * (what it was given when it is no such time). */
void demo_time_cn(const char *iso, char out[24]);
/* The Chinese name of a file type ("JPEG 图像", "纯文本" ...), else the
 * type itself. */
const char *demo_type_name(const char *mime);
/* Look at the file at path as the pipeline does (its stages on the
 * whole file), into out: {name, ext, mime, type, bytes, warnings} from
 * stage_identify (libmagic); with DEMO_LOOK_CHAR also stage_characterise
 * and stage_extract: {width, height, has_exif, camera, make, taken, dpi,
 * gps, chars}.  0 or HD_EIO. */
#define DEMO_LOOK_TYPE 1
#define DEMO_LOOK_CHAR 2
int demo_look(struct hd_archive *a, const char *path, int what,
	json_t *out, struct hd_error *e);
/* A file's pixels and EXIF into out, as demo_look writes them. */
void demo_file_json(const struct hd_file *f, json_t *out);
/* The newest n events of the chain (of record ref only, unless NULL) as
 * an array of {id, type, type_name, at, agent, detail, ref, prev, hash,
 * calc, ok}; empty when they cannot be read. */
json_t *demo_events_json(struct hd_archive *a, int n, const char *ref);
/* The step's form field name, "" when absent. */
const char *demo_param(const struct demo_run *r, const char *name);
/* Ingest the file at path into the sandbox through the pipeline (public,
 * class SQ, category as given or from the format, approved or waiting
 * for review, with OCR or none), as the reception desk's clerk: b is
 * initialised here and left for the caller to read and release
 * (batch_release), *res too (ingest_result_release, on every path: a
 * batch that fails in its last stage may have named records).  0 or
 * the pipeline's failure in r->e. */
struct batch;
struct ingest_result;
int demo_ingest(struct demo_run *r, const char *path, const char *category,
	int approve, int ocr, struct batch *b, struct ingest_result *res);
/* demo_form_values for transfer, digitise and storage (demo_keep.c). */
void demo_keep_form_values(const struct demo_def *d, const char *key,
	struct demo_run *r, json_t *ctx);

/* Make the material in mat (folder m->dir, made) and the template data
 * folder dir from the archive real (read only): see demo_template.c;
 * its readings end at the slot upto (demo_reading_slot), the pool's own
 * record of where they end.  Fills m (release with
 * demo_material_release).  0 or the failure. */
int demo_template_make(struct hd_archive *real, const char *dir,
	struct demo_material *m, int64_t upto, struct hd_error *e);
void demo_material_release(struct demo_material *m);

/* Days of storage-room readings a sandbox shows, two a day. */
#define DEMO_READING_DAYS 28
/* The last reading slot (09:00 or 15:00 in China) at or before Unix time
 * t. */
int64_t demo_reading_slot(int64_t t);
/* Add to a the readings of 一号库房 at the slots after after, up to upto
 * (a slot), and within DEMO_READING_DAYS of it: the template's at its
 * making (after 0), then those of the slots that came since
 * (demo_pool_reap).  0 or the library's error. */
int demo_readings_add(struct hd_archive *a, int64_t after, int64_t upto,
	struct hd_error *e);

#endif
