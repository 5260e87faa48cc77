/*
 * tls: the certificate and key for serving HTTPS directly (libmicrohttpd with GnuTLS:
 * MHD_USE_TLS with MHD_OPTION_HTTPS_MEM_CERT / MHD_OPTION_HTTPS_MEM_KEY).
 *
 * Both files are PEM; the certificate file may hold the whole chain (server certificate first).
 * They are read once when the server starts (renewing a certificate means restarting the
 * service: systemctl restart radmap, a second or two).
 */
#ifndef RADMAP_TLS_H
#define RADMAP_TLS_H

#include "core/error.h"

typedef struct tls_material {
    char *cert_pem;  /* NUL-terminated PEM text */
    char *key_pem;
} tls_material;

/* Read and sanity-check cert_path and key_path into *out. 0, or -1 with err filled (names the file
 * and what is wrong: missing, unreadable, not PEM, no private key). Free with tls_material_free(),
 * which also wipes the key from memory. Prints a warning on stderr when the key file can be read
 * by other users. */
int tls_material_load(const char *cert_path, const char *key_path, tls_material *out, rm_error *err);
void tls_material_free(tls_material *m);

/* Whether this libmicrohttpd was built with TLS support. */
int tls_supported(void);

#endif
