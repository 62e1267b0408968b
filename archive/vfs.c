/*
 * vfs.c - the catalogue's files through SQLite's own unix VFS, with one
 * change: the shared-memory index of WAL mode (hongdang.db-shm) never
 * has pages without disk blocks behind them.
 *
 * SQLite grows the -shm file by writing one byte at the end of each
 * 4 KiB page and then uses it through mmap.  On a file system with
 * 1 KiB blocks (what mkfs.ext4 picks for volumes under 512 MB, as a USB
 * stick's partition) that byte allocates one block of the page's four;
 * the others are allocated when the mapping is first written, and with
 * no block free the process dies with SIGBUS, wherever it is.  Here
 * each region SQLite maps is written in advance with
 * madvise(MADV_POPULATE_WRITE) (Linux 5.14), which allocates every block
 * of it and reports a disk without room as an error instead of a
 * signal: the region is then refused with SQLITE_FULL, which SQLite
 * hands up as an error of the statement that needed it, and
 * hd_vfs_shm_short tells how many bytes were missing.
 *
 * And one more: a write longer than the default VFS takes in one call
 * is handed to it in pieces (shim_write).
 *
 * Everything else is the default VFS's: the shim forwards every call.
 */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define SHIM_NAME "hongdang"

/* An open file: the shim's methods, then the default VFS's file. */
struct shim_file {
	sqlite3_file base;
	const char *shm;        /* "DB-shm" of a main database, or NULL */
	sqlite3_file *real;     /* follows this struct */
};

static sqlite3_vfs shim_vfs;
static sqlite3_vfs *real_vfs;
static pthread_once_t shim_once = PTHREAD_ONCE_INIT;
static _Thread_local uint64_t shm_short;

/* The default VFS's file behind f. */
static sqlite3_file *real_of(sqlite3_file *f)
{
	return ((struct shim_file *)f)->real;
}

/* Each io method below forwards to the default VFS's file. */

/* xClose: close the file; its memory is SQLite's. */
static int shim_close(sqlite3_file *f)
{
	struct shim_file *s = (struct shim_file *)f;
	int rc = s->real->pMethods->xClose(s->real);

	sqlite3_free((void *)s->shm);
	s->shm = NULL;
	return rc;
}

/* xRead. */
static int shim_read(sqlite3_file *f, void *p, int n, sqlite3_int64 off)
{
	return real_of(f)->pMethods->xRead(real_of(f), p, n, off);
}

/* The most the shim hands the default VFS in one xWrite.  SQLite's unix
 * VFS writes fewer than 128 KiB at a time: seekAndWriteFd in os_unix.c
 * masks the length with 0x1ffff (its pages and WAL frames are at most
 * 64 KiB and a header), so a longer write loses its top bits.  SQLite
 * makes one longer write itself: a statement journal held in memory is
 * moved to a temporary file (memjournal.c, memjrnlCreateFile) by
 * writing each of its chunks in one call, and a chunk is as long as
 * the limit set with SQLITE_CONFIG_STMTJRNL_SPILL (db.c sets 1 MiB).
 * Of 1,045,504 bytes only 128,000 (the length & 0x1ffff) were written,
 * then 0 of the rest, which SQLite reports as SQLITE_FULL: "database or
 * disk is full" with the disk nearly empty. */
#define WRITE_MAX 65536

/* xWrite, in pieces of at most WRITE_MAX bytes, each at its offset; the
 * first error stops it and is returned. */
static int shim_write(sqlite3_file *f, const void *p, int n,
	sqlite3_int64 off)
{
	const char *c = p;
	int rc = SQLITE_OK, part;

	do {
		part = n < WRITE_MAX ? n : WRITE_MAX;
		rc = real_of(f)->pMethods->xWrite(real_of(f), c, part, off);
		c += part;
		off += part;
		n -= part;
	} while (rc == SQLITE_OK && n > 0);
	return rc;
}

/* xTruncate. */
static int shim_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

/* xSync. */
static int shim_sync(sqlite3_file *f, int flags)
{
	return real_of(f)->pMethods->xSync(real_of(f), flags);
}

/* xFileSize. */
static int shim_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

/* xLock. */
static int shim_lock(sqlite3_file *f, int level)
{
	return real_of(f)->pMethods->xLock(real_of(f), level);
}

/* xUnlock. */
static int shim_unlock(sqlite3_file *f, int level)
{
	return real_of(f)->pMethods->xUnlock(real_of(f), level);
}

/* xCheckReservedLock. */
static int shim_reserved(sqlite3_file *f, int *out)
{
	return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

/* xFileControl. */
static int shim_control(sqlite3_file *f, int op, void *arg)
{
	return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

/* xSectorSize. */
static int shim_sector(sqlite3_file *f)
{
	return real_of(f)->pMethods->xSectorSize(real_of(f));
}

/* xDeviceCharacteristics. */
static int shim_device(sqlite3_file *f)
{
	return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

/* How many bytes of the first end bytes of the file path have no block
 * yet (0 when it cannot be told). */
static uint64_t unallocated(const char *path, uint64_t end)
{
	struct stat sb;
	uint64_t have;

	if (path == NULL || stat(path, &sb) != 0) {
		return 0;
	}
	have = (uint64_t)sb.st_blocks * 512;
	return have < end ? end - have : 0;
}

/* Refuse region of size bytes of s's -shm for want of disk blocks: the
 * bytes missing up to its end into shm_short, *pp NULL.  SQLITE_FULL. */
static int shm_full(struct shim_file *s, int region, int size,
	void volatile **pp)
{
	shm_short = unallocated(s->shm, ((uint64_t)region + 1) *
		(uint64_t)size);
	if (shm_short == 0) {
		shm_short = (uint64_t)size;
	}
	*pp = NULL;
	return SQLITE_FULL;
}

/* xShmMap: the default VFS maps region of size bytes; each of its pages
 * is then written in advance, so every block is allocated now.  A disk
 * without room for them gives SQLITE_FULL (and *pp NULL, so that SQLite
 * keeps no pointer into the region and asks again next time), as does
 * SQLite's own growing of the file when it meets ENOSPC; a kernel
 * without MADV_POPULATE_WRITE (EINVAL) leaves SQLite's own way. */
static int shim_shm_map(sqlite3_file *f, int region, int size, int extend,
	void volatile **pp)
{
	struct shim_file *s = (struct shim_file *)f;
	int rc;

	errno = 0;
	rc = s->real->pMethods->xShmMap(s->real, region, size, extend, pp);
	if (rc == SQLITE_IOERR_SHMSIZE && (errno == ENOSPC ||
	    errno == EDQUOT)) {
		/* SQLite's own byte a page found no block */
		return shm_full(s, region, size, pp);
	}
	if (rc != SQLITE_OK || *pp == NULL) {
		return rc;
	}
	if (madvise((void *)*pp, (size_t)size, MADV_POPULATE_WRITE) == 0 ||
	    errno == EINVAL) {
		return SQLITE_OK;
	}
	if (errno == EFAULT || errno == ENOSPC || errno == ENOMEM) {
		return shm_full(s, region, size, pp);
	}
	return SQLITE_OK;
}

/* xShmLock. */
static int shim_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return real_of(f)->pMethods->xShmLock(real_of(f), off, n, flags);
}

/* xShmBarrier. */
static void shim_shm_barrier(sqlite3_file *f)
{
	real_of(f)->pMethods->xShmBarrier(real_of(f));
}

/* xShmUnmap. */
static int shim_shm_unmap(sqlite3_file *f, int del)
{
	return real_of(f)->pMethods->xShmUnmap(real_of(f), del);
}

/* xFetch. */
static int shim_fetch(sqlite3_file *f, sqlite3_int64 off, int n, void **pp)
{
	return real_of(f)->pMethods->xFetch(real_of(f), off, n, pp);
}

/* xUnfetch. */
static int shim_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

static const sqlite3_io_methods shim_io = {
	3, shim_close, shim_read, shim_write, shim_truncate, shim_sync,
	shim_size, shim_lock, shim_unlock, shim_reserved, shim_control,
	shim_sector, shim_device, shim_shm_map, shim_shm_lock,
	shim_shm_barrier, shim_shm_unmap, shim_fetch, shim_unfetch,
};

/* xOpen: the default VFS opens the file behind the shim's methods; a
 * main database remembers the name of its -shm file (SQLite's memory). */
static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f,
	int flags, int *out)
{
	struct shim_file *s = (struct shim_file *)f;
	int rc;

	memset(s, 0, sizeof *s);
	s->real = (sqlite3_file *)(s + 1);
	rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out);
	if (s->real->pMethods == NULL) {
		return rc;
	}
	if (name != NULL && (flags & SQLITE_OPEN_MAIN_DB)) {
		s->shm = sqlite3_mprintf("%s-shm", name);
	}
	s->base.pMethods = &shim_io;
	return rc;
}

/* The VFS methods that are not about one file: the default VFS's. */
static int shim_delete(sqlite3_vfs *vfs, const char *name, int sync)
{
	return real_vfs->xDelete(real_vfs, name, sync);
}

/* xAccess. */
static int shim_access(sqlite3_vfs *vfs, const char *name, int flags,
	int *out)
{
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

/* xFullPathname. */
static int shim_full(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

/* xDlOpen. */
static void *shim_dlopen(sqlite3_vfs *vfs, const char *name)
{
	return real_vfs->xDlOpen(real_vfs, name);
}

/* xDlError. */
static void shim_dlerror(sqlite3_vfs *vfs, int n, char *out)
{
	real_vfs->xDlError(real_vfs, n, out);
}

/* xDlSym. */
static void (*shim_dlsym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	return real_vfs->xDlSym(real_vfs, h, sym);
}

/* xDlClose. */
static void shim_dlclose(sqlite3_vfs *vfs, void *h)
{
	real_vfs->xDlClose(real_vfs, h);
}

/* xRandomness. */
static int shim_random(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs->xRandomness(real_vfs, n, out);
}

/* xSleep. */
static int shim_sleep(sqlite3_vfs *vfs, int us)
{
	return real_vfs->xSleep(real_vfs, us);
}

/* xCurrentTime. */
static int shim_time(sqlite3_vfs *vfs, double *out)
{
	return real_vfs->xCurrentTime(real_vfs, out);
}

/* xGetLastError. */
static int shim_lasterror(sqlite3_vfs *vfs, int n, char *out)
{
	return real_vfs->xGetLastError(real_vfs, n, out);
}

/* xCurrentTimeInt64. */
static int shim_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

/* pthread_once body: register the shim over the default VFS (not as the
 * default: only the catalogue's connections name it). */
static void shim_register(void)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (real_vfs == NULL) {
		return;
	}
	shim_vfs.iVersion = 2;
	shim_vfs.szOsFile = (int)sizeof(struct shim_file) +
		real_vfs->szOsFile;
	shim_vfs.mxPathname = real_vfs->mxPathname;
	shim_vfs.zName = SHIM_NAME;
	shim_vfs.xOpen = shim_open;
	shim_vfs.xDelete = shim_delete;
	shim_vfs.xAccess = shim_access;
	shim_vfs.xFullPathname = shim_full;
	shim_vfs.xDlOpen = shim_dlopen;
	shim_vfs.xDlError = shim_dlerror;
	shim_vfs.xDlSym = shim_dlsym;
	shim_vfs.xDlClose = shim_dlclose;
	shim_vfs.xRandomness = shim_random;
	shim_vfs.xSleep = shim_sleep;
	shim_vfs.xCurrentTime = shim_time;
	shim_vfs.xGetLastError = shim_lasterror;
	shim_vfs.xCurrentTimeInt64 = shim_time64;
	if (sqlite3_vfs_register(&shim_vfs, 0) != SQLITE_OK) {
		real_vfs = NULL;
	}
}

/* hd_vfs_name: see internal.h. */
const char *hd_vfs_name(void)
{
	pthread_once(&shim_once, shim_register);
	return real_vfs != NULL ? SHIM_NAME : NULL;
}

/* hd_vfs_shm_short: see internal.h. */
uint64_t hd_vfs_shm_short(void)
{
	uint64_t n = shm_short;

	shm_short = 0;
	return n;
}
