/*
 * tls.c - the certificate and key the exhibit server serves HTTPS with
 * (serve --tls-cert FILE --tls-key FILE), read and checked with GnuTLS
 * before the server listens: a wrong file is one line naming it and a
 * failed start, never a server that accepts connections and then fails
 * every handshake.
 *
 * Checked, in this order: each file can be read and holds at most
 * TLS_FILE_MAX bytes; the certificate file holds PEM certificates (the
 * server's first, then any chain); the key file holds one PEM private key
 * without a passphrase; the key belongs to the first certificate.  A file
 * given in the other's place is named as such.  The key's bytes are
 * wiped before they are freed.
 */
#include "server_int.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Read path (the certificate or key file, as what says) whole into *out
 * (NUL-terminated, caller frees) and *n.  0, or HD_EIO / HD_EINVAL with e
 * naming the file. */
static int read_pem(const char *path, const char *what, char **out,
	size_t *n, struct hd_error *e)
{
	unsigned char *buf = NULL;
	int more = 0;

	*out = NULL;
	if (hd_read_file(path, TLS_FILE_MAX, &buf, n, &more) != 0) {
		return hd_err(e, HD_EIO, "%s: cannot read the %s: %s", path,
			what, strerror(errno));
	}
	if (more) {
		free(buf);
		return hd_err(e, HD_EINVAL, "%s: not a %s: larger than %d "
			"KiB", path, what, TLS_FILE_MAX / 1024);
	}
	if (*n == 0) {
		free(buf);
		return hd_err(e, HD_EINVAL, "%s: the %s file is empty", path,
			what);
	}
	*out = (char *)buf;
	return 0;
}

/* 1 when the PEM text s has a "-----BEGIN ...label" line (label as a
 * part of it: "PRIVATE KEY" also finds "EC PRIVATE KEY"). */
static int has_block(const char *s, const char *label)
{
	const char *p;

	for (p = strstr(s, "-----BEGIN "); p != NULL;
	    p = strstr(p + 1, "-----BEGIN ")) {
		const char *end = strstr(p + 11, "-----");

		if (end != NULL && memmem(p, (size_t)(end - p), label,
		    strlen(label)) != NULL) {
			return 1;
		}
	}
	return 0;
}

/* What the two files hold, for the messages about them. */
struct pem_kind {
	const char *label;      /* in its BEGIN line ("PRIVATE KEY" also
	                           matches "EC PRIVATE KEY") */
	const char *name;       /* in messages */
	const char *begin;      /* its BEGIN line as a message shows it */
	const char *hint;       /* what else to say when it has none */
};
static const struct pem_kind cert_kind = {
	"CERTIFICATE", "certificate", "-----BEGIN CERTIFICATE-----",
	"; a DER file converts with openssl x509 -inform DER",
};
static const struct pem_kind key_kind = {
	"PRIVATE KEY", "private key", "-----BEGIN ... PRIVATE KEY-----", "",
};

/* The error for the text of path, which GnuTLS did not take (rc) as the
 * kind it should be: the other kind (the files the wrong way round), no
 * PEM block of its kind at all, or one GnuTLS cannot read.  Returns
 * HD_EINVAL with e set. */
static int not_pem(const char *path, const char *text, int rc,
	const struct pem_kind *want, const struct pem_kind *other,
	struct hd_error *e)
{
	if (!has_block(text, want->label) && has_block(text, other->label)) {
		return hd_err(e, HD_EINVAL, "%s: a %s, not a %s (--tls-cert "
			"and --tls-key the wrong way round?)", path,
			other->name, want->name);
	}
	if (!has_block(text, want->label)) {
		return hd_err(e, HD_EINVAL, "%s: not a PEM %s (no \"%s\" "
			"line%s)", path, want->name, want->begin, want->hint);
	}
	return hd_err(e, HD_EINVAL, "%s: not a valid PEM %s: %s", path,
		want->name, gnutls_strerror(rc));
}

/* Check that the text of path (n bytes) holds PEM certificates.  0, or
 * HD_EINVAL with e saying what it holds instead. */
static int check_cert(const char *path, const char *text, size_t n,
	struct hd_error *e)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)text,
		(unsigned)n };
	gnutls_x509_crt_t *crts = NULL;
	unsigned ncrts = 0, i;
	int rc;

	rc = gnutls_x509_crt_list_import2(&crts, &ncrts, &d,
		GNUTLS_X509_FMT_PEM, 0);
	for (i = 0; rc >= 0 && i < ncrts; i++) {
		gnutls_x509_crt_deinit(crts[i]);
	}
	gnutls_free(crts);
	if (rc >= 0 && ncrts > 0) {
		return 0;
	}
	return not_pem(path, text, rc, &cert_kind, &key_kind, e);
}

/* Check that the text of path (n bytes) is one PEM private key without a
 * passphrase.  0, or HD_EINVAL with e saying what it is instead. */
static int check_key(const char *path, const char *text, size_t n,
	struct hd_error *e)
{
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)text,
		(unsigned)n };
	gnutls_x509_privkey_t key;
	int rc;

	if (has_block(text, "ENCRYPTED") ||
	    strstr(text, "Proc-Type: 4,ENCRYPTED") != NULL) {
		return hd_err(e, HD_EINVAL, "%s: the key has a passphrase, "
			"which no one is there to type when the server "
			"starts; give a copy without one (openssl pkey -in %s "
			"-out key.pem)", path, path);
	}
	if (gnutls_x509_privkey_init(&key) < 0) {
		abort();         /* out of memory */
	}
	rc = gnutls_x509_privkey_import2(key, &d, GNUTLS_X509_FMT_PEM, NULL,
		GNUTLS_PKCS_PLAIN);
	gnutls_x509_privkey_deinit(key);
	if (rc >= 0) {
		return 0;
	}
	return not_pem(path, text, rc, &key_kind, &cert_kind, e);
}

/* Check that the key (kpath) belongs to the first certificate (cpath)
 * by loading both as the server will.  0, or HD_EINVAL. */
static int check_pair(const char *cpath, const struct tls_pair *p,
	const char *kpath, struct hd_error *e)
{
	gnutls_datum_t cd = { (unsigned char *)p->cert,
		(unsigned)strlen(p->cert) };
	gnutls_datum_t kd = { (unsigned char *)p->key, (unsigned)p->nkey };
	gnutls_certificate_credentials_t cred;
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		abort();         /* out of memory */
	}
	rc = gnutls_certificate_set_x509_key_mem2(cred, &cd, &kd,
		GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	if (rc == GNUTLS_E_CERTIFICATE_KEY_MISMATCH) {
		return hd_err(e, HD_EINVAL, "%s: the key does not belong to "
			"the certificate in %s", kpath, cpath);
	}
	if (rc < 0) {
		return hd_err(e, HD_EINVAL, "%s, %s: the certificate and key "
			"cannot be used together: %s", cpath, kpath,
			gnutls_strerror(rc));
	}
	return 0;
}

/* See server_int.h. */
int tls_load(const char *cert, const char *key, struct tls_pair *out,
	struct hd_error *e)
{
	size_t ncert;
	int rc;

	memset(out, 0, sizeof *out);
	rc = read_pem(cert, "certificate", &out->cert, &ncert, e);
	if (rc == 0) {
		rc = check_cert(cert, out->cert, ncert, e);
	}
	if (rc == 0) {
		rc = read_pem(key, "private key", &out->key, &out->nkey, e);
	}
	if (rc == 0) {
		rc = check_key(key, out->key, out->nkey, e);
	}
	if (rc == 0) {
		rc = check_pair(cert, out, key, e);
	}
	if (rc != 0) {
		tls_release(out);
	}
	return rc;
}

/* See server_int.h.  gnutls_memset is not optimised away. */
void tls_release(struct tls_pair *p)
{
	if (p->key != NULL) {
		gnutls_memset(p->key, 0, p->nkey);
	}
	free(p->key);
	free(p->cert);
	memset(p, 0, sizeof *p);
}
