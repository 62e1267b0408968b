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

struct hd_agent;
struct hd_archive;
struct hd_error;
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
/* A transfer out for a download, in two steps, so that it is recorded
 * only once the whole bag has been handed over: make writes the bag of
 * the records x chooses at x->out (as hd_transfer_export does: whole or
 * not at all) and records nothing, giving a new *m (NULL on error, the
 * bag gone); record then records the transfer as having gone to where
 * (a download's description) and an event "transfer" on each record, in
 * one transaction, *t receiving it.  A download cut off is never
 * recorded: free m without record (the bag on disk stays: the caller
 * removes it).  Errors as hd_transfer_export's. */
struct hd_export_made;
int hd_transfer_export_make(struct hd_archive *a, const struct hd_export *x,
	const struct hd_agent *agent, struct hd_export_made **m,
	struct hd_error *e);
int hd_transfer_export_record(struct hd_archive *a,
	struct hd_export_made *m, const char *where,
	const struct hd_agent *agent, struct hd_transfer *t,
	struct hd_error *e);
/* The transfer's identifier (urn:uuid:…) as the bag and its slip name
 * it. */
const char *hd_export_made_uuid(const struct hd_export_made *m);
/* Free m (NULL accepted). */
void hd_export_made_free(struct hd_export_made *m);

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
