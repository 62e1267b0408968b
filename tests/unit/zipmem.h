/*
 * zipmem.h - a zip made in memory from named parts with libarchive, for
 * the tests of the .xlsx reader (tests/unit/test_xlsx.c and
 * tests/fuzz/fuzz_xlsx.c), which build hostile workbooks part by part.
 */
#ifndef HD_TEST_ZIPMEM_H
#define HD_TEST_ZIPMEM_H

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

/* A zip of the n parts names[i] holding data[i][0..lens[i]), stored
 * (store) or deflated.  Returns a new buffer (caller frees) of *outlen
 * bytes; aborts when libarchive fails, as a test cannot go on. */
static unsigned char *zipmem(const char *const *names,
	const char *const *data, const size_t *lens, size_t n, int store,
	size_t *outlen)
{
	struct archive *a = archive_write_new();
	struct archive_entry *ent;
	size_t cap = 4096, i, used = 0;
	unsigned char *buf;

	for (i = 0; i < n; i++) {
		cap += lens[i] + lens[i] / 8 + strlen(names[i]) * 2 + 512;
	}
	buf = malloc(cap);
	if (a == NULL || buf == NULL ||
	    archive_write_set_format_zip(a) != ARCHIVE_OK ||
	    (store ? archive_write_zip_set_compression_store(a) :
	    archive_write_zip_set_compression_deflate(a)) != ARCHIVE_OK ||
	    archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK) {
		abort();
	}
	for (i = 0; i < n; i++) {
		ent = archive_entry_new();
		archive_entry_set_pathname(ent, names[i]);
		archive_entry_set_filetype(ent, AE_IFREG);
		archive_entry_set_perm(ent, 0644);
		archive_entry_set_size(ent, (la_int64_t)lens[i]);
		if (archive_write_header(a, ent) != ARCHIVE_OK ||
		    (lens[i] > 0 && archive_write_data(a, data[i], lens[i])
		    != (la_ssize_t)lens[i])) {
			abort();
		}
		archive_entry_free(ent);
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		abort();
	}
	archive_write_free(a);
	*outlen = used;
	return buf;
}

#endif
