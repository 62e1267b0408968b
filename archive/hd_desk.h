/*
 * hd_desk.h - what the archivist's desk in the browser asks of the
 * library beyond what the command line does: a bag streamed as a zip and a
 * transfer recorded as a download (bagit.c, transfer.c) and the last
 * backup read back (backup.c); its bookings are hd_visit.h's.  Included by
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
