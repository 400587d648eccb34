#include "netlab/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int sysctl_path(char *buf, size_t len, const char *key, struct pl_err *err)
{
	int n = snprintf(buf, len, "/proc/sys/%s", key);

	if (n < 0 || (size_t)n >= len || strstr(key, ".."))
		return pl_errf(err, -EINVAL, "bad sysctl key %s", key);
	return 0;
}

int pl_sysctl_write(const char *key, const char *value, struct pl_err *err)
{
	char path[PATH_MAX];
	size_t len = strlen(value);
	ssize_t n;
	int fd, rc;

	rc = sysctl_path(path, sizeof(path), key, err);
	if (rc < 0)
		return rc;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return pl_errf(err, -errno, "open %s: %s", path, strerror(errno));
	n = write(fd, value, len);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (n < 0)
		return pl_errf(err, rc, "write %s = %s: %s", path, value, strerror(-rc));
	if ((size_t)n != len)
		return pl_errf(err, -EIO, "write %s = %s: short write", path, value);
	return 0;
}

int pl_sysctl_read(const char *key, char *buf, size_t len, struct pl_err *err)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, rc;

	if (!len)
		return pl_errf(err, -EINVAL, "no room to read %s", key);
	rc = sysctl_path(path, sizeof(path), key, err);
	if (rc < 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pl_errf(err, -errno, "open %s: %s", path, strerror(errno));
	n = read(fd, buf, len - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (n < 0)
		return pl_errf(err, rc, "read %s: %s", path, strerror(-rc));
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return 0;
}
