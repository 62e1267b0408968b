/*
 * hd_desk.h - what the archivist's desk in the browser asks of the
 * library beyond what the command line does: a bag streamed as a zip and a
 * transfer recorded as a download (bagit.c, transfer.c), the guided-talk
 * bookings of the coming days listed and cancelled and a slot closed
 * (visits.c), and the last backup read back (backup.c).  Included by
 * hd.h (through hd_search.h); front ends include hd.h only.
 */
#ifndef HD_DESK_H
#define HD_DESK_H

#include <sys/types.h>

struct hd_export;
struct hd_transfer;

/* ------------------------------------------------------- transfers */

/* The bag (any folder) dir as a zip made while it is read: its entries
 * under the folder name as ("转递包-1/bagit.txt", UTF-8 names), bytes
 * stored as they are, for a download that never holds the bag in
 * memory (a quarter of a megabyte of it at a time).  open lists the
 * folder (*zs, or HD_EIO naming what is neither file nor folder); read
 * gives up to max bytes of the zip, 0 at its end, -1 when a file could
 * not be read; remove asks close to remove the folder dir too; close
 * frees it all (NULL accepted). */
struct hd_zipstream;
int hd_zip_stream_open(const char *dir, const char *as,
	struct hd_zipstream **zs, struct hd_error *e);
ssize_t hd_zip_stream_read(struct hd_zipstream *zs, char *buf, size_t max);
void hd_zip_stream_remove(struct hd_zipstream *zs, const char *dir);
void hd_zip_stream_close(struct hd_zipstream *zs);
/* hd_transfer_export, the transfer recorded as having gone to where (a
 * download's description) instead of x->out, which is only where the
 * bag is made before it is packed and handed over. */
int hd_transfer_export_as(struct hd_archive *a, const struct hd_export *x,
	const char *where, const struct hd_agent *agent,
	struct hd_transfer *t, struct hd_error *e);

/* ------------------------------------------- guided-talk bookings */

/* A booking of a guided talk. */
struct hd_visit {
	int64_t id;
	char day[11];           /* "2026-12-01" */
	char slot[6];           /* "09:00" */
	char *group;            /* 团体名称 */
	char *contact;          /* phone or e-mail */
	int people;
	int free;               /* 1: 公益时段 */
	int price;              /* yuan a person */
	char created[32];       /* ISO 8601 UTC */
};
void hd_visits_free(struct hd_visit *v, size_t n);
/* The bookings of the days from .. to ("YYYY-MM-DD", both included), by
 * day and hour: *v receives an array (caller frees with hd_visits_free).
 * HD_EINVAL for a malformed day, HD_EDB when they cannot be read. */
int hd_visit_list(struct hd_archive *a, const char *from, const char *to,
	struct hd_visit **v, size_t *n, struct hd_error *e);
/* Cancel booking id (its own transaction: the booking goes, an event
 * "visit" keeps what it was, who cancelled it and why; reason may be
 * NULL).  HD_ENOTFOUND when there is no such booking. */
int hd_visit_cancel(struct hd_archive *a, int64_t id, const char *reason,
	const struct hd_agent *agent, struct hd_error *e);
/* Close (closed 1) or open again (0) the slot of day for new bookings
 * (its own transaction, an event "visit"; the bookings made stay).
 * hd_visit_book refuses a closed slot.  Closing a closed slot changes
 * nothing.  HD_EINVAL for a malformed day or an hour that is not a
 * slot. */
int hd_visit_close(struct hd_archive *a, const char *day, const char *slot,
	int closed, const struct hd_agent *agent, struct hd_error *e);
/* 1 when the slot of day is closed, 0 when it is not (or the setting
 * cannot be read: the booking's transaction checks again). */
int hd_visit_closed(struct hd_archive *a, const char *day,
	const char *slot);

/* ------------------------------------------------------- backups */

/* The last backup, as its event and the backup folder say. */
struct hd_backup_last {
	char at[32];            /* ISO 8601 UTC of the event */
	char *agent;            /* who ran it */
	char *dest;             /* the backup folder */
	char *detail;           /* the event's detail, whole */
	int64_t objects;        /* objects in it */
	char db_sha256[65];     /* of the catalogue copy */
	/* 1: dest/BACKUP is there and names the same catalogue copy;
	 * 0: no backup found at dest (a disk not plugged in); -1: another
	 * backup is there (made since, or changed) */
	int present;
	char made[32];          /* dest/BACKUP's "made:", "" when none */
};
void hd_backup_last_release(struct hd_backup_last *b);
/* The last backup into *b; HD_ENOTFOUND when none was ever made, HD_EDB
 * when the events cannot be read. */
int hd_backup_last(struct hd_archive *a, struct hd_backup_last *b,
	struct hd_error *e);

#endif
