/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CURVE key files of the region's agents (ZeroMQ CURVE, Curve25519).
 *
 * A key file holds one Z85-encoded key (40 characters) on a line of its
 * own; blank lines and lines starting with '#' are ignored.  NAME.pub
 * holds a public key, NAME.key the matching secret key (mode 0600: a
 * secret key file readable by group or others is refused).  The public
 * key is derived from the secret one, so a secret file alone suffices.
 */
#ifndef MIXNET_CURVE_KEYS_H
#define MIXNET_CURVE_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define CURVE_KEY_Z85_LEN	40
#define CURVE_KEY_BIN_LEN	32

/* A Z85 key string: exactly 40 valid Z85 characters.  0 or -EINVAL. */
int curve_key_parse(const char *z85, uint8_t bin[CURVE_KEY_BIN_LEN]);

/*
 * Read a key file into @z85 (NUL-terminated).  @secret: also check that
 * the file is not readable by group or others (-EPERM).  Returns 0,
 * -errno from open/read, or -EINVAL (no key, two keys, malformed key)
 * with a reason in @why (may be NULL).
 */
int curve_key_read(const char *path, int secret, char z85[CURVE_KEY_Z85_LEN + 1],
		   char *why, size_t whylen);

/* Public key of a secret key (both Z85).  0 or -EINVAL. */
int curve_public_of(const char *secret_z85, char public_z85[CURVE_KEY_Z85_LEN + 1]);

/*
 * Generate a key pair: DIR/NAME.key (mode 0600) and DIR/NAME.pub (0644).
 * Never overwrites: -EEXIST if either exists (and then writes nothing).
 * The public key is also returned in @public_z85.
 */
int curve_keys_generate(const char *dir, const char *name,
			char public_z85[CURVE_KEY_Z85_LEN + 1]);

/* Overwrite a secret that is no longer needed. */
void curve_key_wipe(void *key, size_t len);

#endif /* MIXNET_CURVE_KEYS_H */
