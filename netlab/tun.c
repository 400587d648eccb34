#include "netlab/tun.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int tun_open(const char *name, bool nonblock, struct pl_err *err)
{
	struct ifreq ifr;
	int fd, rc;

	if (strlen(name) >= IFNAMSIZ)
		return pl_errf(err, -EINVAL, "TUN name too long: %s", name);
	fd = open(PL_TUN_DEV, O_RDWR | O_CLOEXEC | (nonblock ? O_NONBLOCK : 0));
	if (fd < 0)
		return pl_errf(err, -errno, "open %s: %s", PL_TUN_DEV, strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		rc = pl_errf(err, -errno, "TUNSETIFF %s: %s", name, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

int pl_tun_create_persistent(const char *name, struct pl_err *err)
{
	int fd, rc = 0;

	fd = tun_open(name, false, err);
	if (fd < 0)
		return fd;
	if (ioctl(fd, TUNSETPERSIST, 1) < 0)
		rc = pl_errf(err, -errno, "TUNSETPERSIST %s: %s", name, strerror(errno));
	close(fd);
	return rc;
}

int pl_tun_attach(const char *name, bool nonblock, struct pl_err *err)
{
	return tun_open(name, nonblock, err);
}
