/* guard.h - connection slots kept for clients that send their requests (guard.c).
 * Internal to http/: server.c wires these into libmicrohttpd. */
#ifndef LLMMETA_GUARD_H
#define LLMMETA_GUARD_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A new connection must send a whole request head within HTTP_HEAD_TIMEOUT_S; a
 * kept-alive one may wait HTTP_KEEPALIVE_S for its next request. */
#define HTTP_HEAD_TIMEOUT_S 10
#define HTTP_KEEPALIVE_S 60
/* At most this much longer for one whose bytes wait unread in its socket when its
 * time is up: the server, not the client, is behind. */
#define HTTP_HEAD_GRACE_S 10

/* Starts the sweeper; at most connection_limit/2 connections may wait for their
 * request heads at once. 0 or -1. */
int guard_start(unsigned connection_limit, unsigned head_timeout_s, unsigned keepalive_s, unsigned grace_s);
/* The sweep's rule: whether a connection that has waited waited_ms for a request
 * head it may take timeout_ms over is cut now, `unread` bytes of it waiting in its
 * socket (the server behind). Time is up at timeout_ms; until timeout_ms + grace_ms
 * unread bytes keep it. */
bool guard_due(int64_t waited_ms, int64_t timeout_ms, int64_t grace_ms, size_t unread);
void guard_stop(void);
/* MHD_OPTION_NOTIFY_CONNECTION: a connection opened or closed. */
void guard_notify(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode code);
/* The connection's request head is in (the app is called). */
void guard_head_complete(struct MHD_Connection *c);
/* The connection's answer is done; kept alive, it waits for its next head. */
void guard_request_done(struct MHD_Connection *c);

#endif
