/*
 * tls: certificate and key loading for HTTPS; see tls.h.
 */
#include "http/tls.h"

#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TLS_MAX_FILE_BYTES (1u << 20)

/* The whole file as a NUL-terminated string; NULL with err. */
static char *read_small_file(const char *path, const char *option, rm_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        rm_error_set(err, 400, "Bad TLS file", "%s %s cannot be read: %s", option, path, strerror(errno));
        return NULL;
    }
    char *data = malloc(TLS_MAX_FILE_BYTES + 1);
    size_t n = data ? fread(data, 1, TLS_MAX_FILE_BYTES + 1, f) : 0;
    int failed = ferror(f);
    fclose(f);
    if (!data || failed || n > TLS_MAX_FILE_BYTES || n == 0) {
        rm_error_set(err, 400, "Bad TLS file", "%s %s is %s", option, path,
                     !data ? "not readable (out of memory)" : n == 0 ? "empty" : "larger than 1 MB or unreadable");
        free(data);
        return NULL;
    }
    data[n] = 0;
    return data;
}

int tls_material_load(const char *cert_path, const char *key_path, tls_material *out, rm_error *err)
{
    memset(out, 0, sizeof *out);
    if (!tls_supported())
        return rm_error_set(err, 500, "No TLS", "this libmicrohttpd was built without TLS support; serve behind a "
                            "proxy (nginx) instead");
    if (!cert_path || !key_path)
        return rm_error_set(err, 400, "Incomplete TLS options", "HTTPS needs both --tls-cert FILE and --tls-key FILE");
    out->cert_pem = read_small_file(cert_path, "--tls-cert", err);
    if (!out->cert_pem)
        goto fail;
    if (!strstr(out->cert_pem, "-----BEGIN CERTIFICATE-----")) {
        rm_error_set(err, 400, "Bad TLS file", "--tls-cert %s holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                     cert_path);
        goto fail;
    }
    out->key_pem = read_small_file(key_path, "--tls-key", err);
    if (!out->key_pem)
        goto fail;
    if (!strstr(out->key_pem, "PRIVATE KEY-----")) {
        rm_error_set(err, 400, "Bad TLS file", "--tls-key %s holds no PEM private key (-----BEGIN ... PRIVATE "
                     "KEY-----)", key_path);
        goto fail;
    }
    if (strstr(out->key_pem, "ENCRYPTED")) {
        rm_error_set(err, 400, "Bad TLS file", "--tls-key %s is encrypted with a passphrase; give the server an "
                     "unencrypted key readable only by its user", key_path);
        goto fail;
    }
    struct stat sb;
    if (stat(key_path, &sb) == 0 && (sb.st_mode & 0007))
        fprintf(stderr, "radmap: warning: the private key %s can be read by every user of this machine "
                "(chmod 600 or 640 it)\n", key_path);
    return 0;
fail:
    tls_material_free(out);
    return -1;
}

void tls_material_free(tls_material *m)
{
    if (!m)
        return;
    if (m->key_pem) {
        sodium_memzero(m->key_pem, strlen(m->key_pem));
        free(m->key_pem);
    }
    free(m->cert_pem);
    m->cert_pem = m->key_pem = NULL;
}

int tls_supported(void) { return MHD_is_feature_supported(MHD_FEATURE_TLS) == MHD_YES; }
