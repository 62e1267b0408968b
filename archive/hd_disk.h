/*
 * hd_disk.h - a data folder on its disk: a full disk, and the staging
 * folders that runs interrupted by a crash leave beside a destination.
 * Included by hd.h.
 */
#ifndef HD_DISK_H
#define HD_DISK_H

/* What the caller should say about how a was opened, as one line, or
 * NULL: a reader on a full disk reads without SQLite's shared index
 * (hongdang.db-shm, which had no room) and is told so, with the space
 * missing.  The string lives as long as a. */
const char *hd_archive_note(const struct hd_archive *a);

#endif
