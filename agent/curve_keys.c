// SPDX-License-Identifier: GPL-2.0
/* CURVE key files (see curve_keys.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include "curve_keys.h"

/* Z85 alphabet (ZeroMQ RFC 32). */
static const char z85_chars[] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

void curve_key_wipe(void *key, size_t len)
{
	explicit_bzero(key, len);
}

int curve_key_parse(const char *z85, uint8_t bin[CURVE_KEY_BIN_LEN])
{
	size_t i;

	if (!z85 || strlen(z85) != CURVE_KEY_Z85_LEN)
		return -EINVAL;
	for (i = 0; i < CURVE_KEY_Z85_LEN; i++)
		if (!strchr(z85_chars, z85[i]) || z85[i] == '\0')
			return -EINVAL;
	/* zmq_z85_decode also rejects 5-character groups above 2^32. */
	if (!zmq_z85_decode(bin, z85))
		return -EINVAL;
	return 0;
}

static void set_why(char *why, size_t len, const char *msg)
{
	if (why && len)
		snprintf(why, len, "%s", msg);
}

int curve_key_read(const char *path, int secret, char z85[CURVE_KEY_Z85_LEN + 1],
		   char *why, size_t whylen)
{
	char buf[4096], *line, *save = NULL;
	uint8_t bin[CURVE_KEY_BIN_LEN];
	struct stat st;
	int fd, found = 0, err = 0;
	ssize_t n;
	size_t len = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		set_why(why, whylen, "not a regular file");
		err = -EINVAL;
		goto out;
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO))) {
		set_why(why, whylen, "secret key file is accessible by group or others (chmod 600)");
		err = -EPERM;
		goto out;
	}
	while (len < sizeof(buf) - 1) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len == sizeof(buf) - 1) {
		set_why(why, whylen, "file too large for a key file");
		err = -EINVAL;
		goto out;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len)) {
		set_why(why, whylen, "binary data in key file");
		err = -EINVAL;
		goto out;
	}
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t l = strlen(line);

		while (l && (line[l - 1] == '\r' || line[l - 1] == ' ' || line[l - 1] == '\t'))
			line[--l] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if (found++) {
			set_why(why, whylen, "more than one key in file");
			err = -EINVAL;
			goto out;
		}
		if (curve_key_parse(line, bin)) {
			set_why(why, whylen, "not a 40-character Z85 CURVE key");
			err = -EINVAL;
			goto out;
		}
		memcpy(z85, line, CURVE_KEY_Z85_LEN + 1);
	}
	if (!found) {
		set_why(why, whylen, "no key in file");
		err = -EINVAL;
	}
out:
	curve_key_wipe(buf, sizeof(buf));
	curve_key_wipe(bin, sizeof(bin));
	close(fd);
	return err;
}

int curve_public_of(const char *secret_z85, char public_z85[CURVE_KEY_Z85_LEN + 1])
{
	uint8_t bin[CURVE_KEY_BIN_LEN];
	int ok = !curve_key_parse(secret_z85, bin);

	curve_key_wipe(bin, sizeof(bin));
	if (!ok || zmq_curve_public(public_z85, secret_z85) != 0)
		return -EINVAL;
	return 0;
}

static int write_key(const char *path, const char *key, mode_t mode)
{
	char line[CURVE_KEY_Z85_LEN + 2];
	int fd, err = 0;
	ssize_t n;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return -errno;
	/* The umask may have widened nothing but could narrow: set exactly. */
	if (fchmod(fd, mode) < 0)
		err = -errno;
	snprintf(line, sizeof(line), "%s\n", key);
	if (!err) {
		n = write(fd, line, strlen(line));
		if (n != (ssize_t)strlen(line))
			err = n < 0 ? -errno : -EIO;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	curve_key_wipe(line, sizeof(line));
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		unlink(path);
	return err;
}

int curve_keys_generate(const char *dir, const char *name,
			char public_z85[CURVE_KEY_Z85_LEN + 1])
{
	char secret[CURVE_KEY_Z85_LEN + 1], pub[CURVE_KEY_Z85_LEN + 1];
	char kpath[PATH_MAX], ppath[PATH_MAX];
	struct stat st;
	int err;

	if (!name || !*name || strchr(name, '/'))
		return -EINVAL;
	if ((size_t)snprintf(kpath, sizeof(kpath), "%s/%s.key", dir, name) >= sizeof(kpath) ||
	    (size_t)snprintf(ppath, sizeof(ppath), "%s/%s.pub", dir, name) >= sizeof(ppath))
		return -ENAMETOOLONG;
	if (lstat(kpath, &st) == 0 || lstat(ppath, &st) == 0)
		return -EEXIST;
	if (zmq_curve_keypair(pub, secret) != 0)
		return -errno ? -errno : -EIO;
	err = write_key(kpath, secret, 0600);
	curve_key_wipe(secret, sizeof(secret));
	if (err)
		return err;
	err = write_key(ppath, pub, 0644);
	if (err) {
		unlink(kpath);
		return err;
	}
	memcpy(public_z85, pub, sizeof(pub));
	return 0;
}
