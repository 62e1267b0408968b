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

/* Forget the search index rows the open transaction of a has queued
 * (hd_tx_flush writes them): for a transaction that will be rolled back
 * (a dry run of a big batch), whose rows would only be held in memory
 * until then. */
void hd_tx_unindexed(struct hd_archive *a);

#endif
