/*
 * sha256.c - hex SHA-256 with libcrypto. Apart from util.c so that the
 * `grader` front binary, which never hashes, does not load libcrypto.
 */
#include <openssl/evp.h>
#include <stdio.h>

#include "util.h"

void sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
	for (unsigned int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[64] = '\0';
}
