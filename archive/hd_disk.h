/*
 * hd_disk.h - a data folder on its disk: a full disk, and the staging
 * folders that runs interrupted by a crash leave beside a destination.
 * Included by hd.h (archive/staging.c, and db.c's open).
 */
#ifndef HD_DISK_H
#define HD_DISK_H

/* What the caller should say about how a was opened, as one line, or
 * NULL: a reader on a full disk reads without SQLite's shared index
 * (hongdang.db-shm, which had no room) and is told so, with the space
 * missing.  The string lives as long as a. */
const char *hd_archive_note(const struct hd_archive *a);

/* Staging folders removed by hd_staging_sweep. */
struct hd_sweep {
	char **paths;           /* each folder removed */
	size_t n;
	uint64_t bytes;         /* what their files held */
};
/* The folder a run of this process builds dest in before renaming it
 * into place: "DEST.part-PID" beside it (dest's trailing slashes
 * dropped).  A new string. */
char *hd_staging_name(const char *dest);
/* Remove the staging folders beside dest (hd_staging_name) of runs that
 * were killed: each a folder, not a link, named exactly DEST.part-PID
 * where PID is written as a process id is and no process has it now
 * (kill(PID, 0) fails with ESRCH).  The folder of a process alive, this
 * one's included, stays, as does anything else.  *sw receives what was
 * removed (hd_sweep_release frees it).  0, or HD_EIO when the folder
 * holding dest cannot be read. */
int hd_staging_sweep(const char *dest, struct hd_sweep *sw,
	struct hd_error *e);
/* Free what sw holds and zero it. */
void hd_sweep_release(struct hd_sweep *sw);
/* A size for people, in binary units with one decimal: "182.3 MB",
 * "512 bytes".  A new string. */
char *hd_size_text(uint64_t bytes);

/* Copy the regular file src to dst (made, mode 0644): cloned (FICLONE)
 * where the file system shares blocks, else copy_file_range, else read
 * and write.  A scratch copy: not fsynced.  0 or HD_EIO (fs.c). */
int hd_fs_clone(const char *src, const char *dst, struct hd_error *e);
/* Copy the folder src into dst (made when missing) with the folders and
 * regular files under it, 32 levels deep at most; anything else (links,
 * devices) is left out.  durable: each file through hd_fs_copy and each
 * folder fsynced, for a copy that must survive a crash; else each file
 * through hd_fs_clone.  0 or HD_EIO (fs.c). */
int hd_fs_copytree(const char *src, const char *dst, int durable,
	struct hd_error *e);

#endif
