/*
 * sha256.h — SHA-256 (FIPS 180-4) of a buffer, and its base64 form as a
 * Content-Security-Policy hash source ('sha256-…') takes it: the HTML
 * report allows its own inline style and script by their hashes instead
 * of 'unsafe-inline'.
 *
 * Included by src/render/render_html.c and tests/check_sha256.c.
 */
#ifndef VGTRIAGE_SHA256_H
#define VGTRIAGE_SHA256_H

#include <stddef.h>
#include <stdint.h>

/* The 32-byte digest of data[0..len). */
void sha256(const void *data, size_t len, uint8_t digest[32]);
/* The digest in base64 (RFC 4648, padded): 44 characters and a NUL. */
void sha256_base64(const void *data, size_t len, char out[45]);

#endif
