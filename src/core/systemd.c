/* systemd.c - sd_notify and socket activation by hand (systemd.h says why). The
 * protocols are sd_notify(3) and sd_listen_fds(3): a datagram of "KEY=VALUE" lines
 * to the AF_UNIX socket named by $NOTIFY_SOCKET ('@' first: an abstract name), and
 * descriptors from 3 on, $LISTEN_FDS of them, meant for the process $LISTEN_PID. */
#include "systemd.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

int sd_notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
		errno = EINVAL;
		return -1;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (path[0] == '/'));
	ssize_t n = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, salen);
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)strlen(state) ? 1 : -1;
}

int sd_listen_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	int64_t p, n;
	int rc = -1;
	if (pid && fds && parse_int64(pid, 1, INT64_MAX, &p) && p == (int64_t)getpid() &&
	    parse_int64(fds, 1, 1024, &n)) {
		struct stat sb;
		if (n != 1)
			rc = -2;
		else if (fstat(3, &sb) == 0 && S_ISSOCK(sb.st_mode) && fcntl(3, F_SETFD, FD_CLOEXEC) == 0)
			rc = 3;
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	return rc;
}
