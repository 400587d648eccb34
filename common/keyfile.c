/* keyfile.c — see keyfile.h. */
#include "common/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_MAX 4096

char *pl_key_file_read(const char *path, struct pl_err *err)
{
	struct stat st;
	char *k;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY), e;

	if (fd < 0) {
		e = errno;
		pl_errf(err, -e, "key file %s: %s", path, e == ELOOP ? "is a symbolic link" : strerror(e));
		return NULL;
	}
	/* checked on the open file, so what is checked is what is read */
	if (fstat(fd, &st)) {
		e = errno;
		close(fd);
		pl_errf(err, -e, "key file %s: %s", path, strerror(e));
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) || st.st_uid != geteuid() || st.st_size < 1 ||
	    st.st_size > KEY_MAX) {
		close(fd);
		if (!S_ISREG(st.st_mode))
			pl_errf(err, -EINVAL, "key file %s: not a regular file", path);
		else if (st.st_mode & 077)
			pl_errf(err, -EPERM, "key file %s: mode %04o lets others read it; chmod 600 %s", path,
				(unsigned)(st.st_mode & 07777), path);
		else if (st.st_uid != geteuid())
			pl_errf(err, -EPERM, "key file %s: owned by uid %u, not by uid %u", path, (unsigned)st.st_uid,
				(unsigned)geteuid());
		else
			pl_errf(err, -EINVAL, "key file %s: %s", path, st.st_size < 1 ? "empty" : "larger than 4 KiB");
		return NULL;
	}
	k = calloc(1, (size_t)st.st_size + 1);
	if (!k) {
		close(fd);
		pl_errf(err, -ENOMEM, "key file %s: out of memory", path);
		return NULL;
	}
	while (got < (size_t)st.st_size && (n = read(fd, k + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	k[got] = '\0';
	k[strcspn(k, "\r\n")] = '\0';
	if (!k[0]) {
		free(k);
		pl_errf(err, -EINVAL, "key file %s: the first line is empty", path);
		return NULL;
	}
	return k;
}
