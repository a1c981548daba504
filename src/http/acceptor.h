/* acceptor.h - the listening socket, owned by the server rather than by
 * libmicrohttpd, so that a stop closes it at once (acceptor.c). Internal to http/. */
#ifndef LLMMETA_ACCEPTOR_H
#define LLMMETA_ACCEPTOR_H

#include <microhttpd.h>

/* Opens a listening TCP socket on bind:port (an IPv4 or IPv6 address; port 0: any
 * free port) and returns it, the port it got in *bound. -1 with errno. */
int acceptor_listen(const char *bind, int port, unsigned *bound);
/* Accepts on fd in a thread of its own and hands each connection to d
 * (MHD_add_connection), holding new ones in the socket's backlog while `limit`
 * connections are open. 0 or -1. */
int acceptor_start(struct MHD_Daemon *d, int fd, unsigned limit);
/* Stops accepting and closes the listening socket: a new client is refused at
 * once, connections already handed over go on. */
void acceptor_stop(void);

#endif
