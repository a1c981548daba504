/* acceptor.c - accepts the server's connections in one thread and hands them to
 * libmicrohttpd's worker pool. libmicrohttpd can own the listening socket, but its
 * way to stop listening while requests finish, MHD_quiesce_daemon, races its epoll
 * workers (0.9.75: both remove the socket from a worker's set, and the loser
 * aborts the process, "Failed to remove listen FD from epoll set"); a SIGTERM
 * under traffic could kill the server instead of draining it. Owning the socket,
 * a stop is a close(): the kernel refuses new clients at once, and the workers
 * never saw the socket.
 *
 * The connection count is read from guard_notify's tally (opened minus closed); at
 * the limit the loop stops accepting and new clients wait in the backlog, as
 * libmicrohttpd's own listener does, instead of being accepted and dropped. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../core/log.h"
#include "acceptor.h"
#include "guard.h"

/* Connections accepted per wake-up before polling the stop pipe again. */
#define ACCEPT_BATCH 64
/* How long to wait before retrying when at the limit or out of descriptors. */
#define PAUSE_MS 10

static struct {
	struct MHD_Daemon *d;
	int fd, stop[2];
	unsigned limit;
	pthread_t thread;
	bool running;
} acc = {.fd = -1, .stop = {-1, -1}};

int acceptor_listen(const char *bind_addr, int port, unsigned *bound)
{
	struct sockaddr_storage ss = {0};
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	if (inet_pton(AF_INET, bind_addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		len = sizeof *in4;
	} else if (inet_pton(AF_INET6, bind_addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		len = sizeof *in6;
	} else {
		errno = EINVAL;
		return -1;
	}
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	if (ss.ss_family == AF_INET6) /* "::" means IPv6 only, as an IPv6 address should */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, SOMAXCONN) < 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*bound = ntohs(ss.ss_family == AF_INET6 ? in6->sin6_port : in4->sin_port);
	return fd;
}

static void pause_ms(long ms) { nanosleep(&(struct timespec){.tv_nsec = ms * 1000 * 1000}, NULL); }

/* Accepts what the backlog holds, up to a batch and below the limit. */
static void accept_some(void)
{
	for (int i = 0; i < ACCEPT_BATCH && guard_open() < (long)acc.limit; i++) {
		struct sockaddr_storage a;
		socklen_t n = sizeof a;
		int c = accept4(acc.fd, (struct sockaddr *)&a, &n, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno == ECONNABORTED || errno == EINTR)
				continue;
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				log_warn("http: cannot accept a connection: %s", strerror(errno));
				pause_ms(PAUSE_MS); /* until a connection closes; the client waits in the backlog */
			}
			return;
		}
		/* On failure libmicrohttpd has closed c and logged why. */
		MHD_add_connection(acc.d, c, (struct sockaddr *)&a, n);
	}
}

static void *accept_loop(void *unused)
{
	(void)unused;
	for (;;) {
		bool full = guard_open() >= (long)acc.limit;
		struct pollfd p[2] = {{.fd = acc.fd, .events = full ? 0 : POLLIN}, {.fd = acc.stop[0], .events = POLLIN}};
		if (poll(p, 2, full ? PAUSE_MS : -1) < 0 && errno != EINTR)
			pause_ms(PAUSE_MS);
		if (p[1].revents)
			return NULL;
		if (p[0].revents & POLLIN)
			accept_some();
	}
}

int acceptor_start(struct MHD_Daemon *d, int fd, unsigned limit)
{
	acc.d = d;
	acc.fd = fd;
	acc.limit = limit;
	if (pipe2(acc.stop, O_CLOEXEC) < 0)
		return -1;
	if (pthread_create(&acc.thread, NULL, accept_loop, NULL) != 0) {
		close(acc.stop[0]);
		close(acc.stop[1]);
		return -1;
	}
	acc.running = true;
	return 0;
}

void acceptor_stop(void)
{
	if (acc.running) {
		while (write(acc.stop[1], "x", 1) < 0 && errno == EINTR)
			;
		pthread_join(acc.thread, NULL);
		close(acc.stop[0]);
		close(acc.stop[1]);
		acc.running = false;
	}
	if (acc.fd >= 0)
		close(acc.fd);
	acc.fd = -1;
}
