/*
 * hd_conn.h - tuning a connection to the archive for the work it does in
 * a long-running process (included by hd.h; db.c).
 */
#ifndef HD_CONN_H
#define HD_CONN_H

/* Bound the page cache of a to kib KiB (SQLite's cache_size; 64 MB by
 * default, the reads of searches want it): for a connection that writes
 * big batches beside others in the exhibit server (ingest by upload),
 * whose pages would otherwise stay resident after the batch.  Pages of
 * a transaction beyond it go to the WAL midway and are read back.
 * Returns 0, or HD_EDB. */
int hd_archive_cache(struct hd_archive *a, int kib, struct hd_error *e);

#endif
