/* systemd.h - the two parts of systemd's service interface llmmeta speaks, written
 * by hand (no libsystemd): readiness and status through $NOTIFY_SOCKET
 * (Type=notify) and a listening socket handed over by $LISTEN_FDS (llmmeta.socket).
 * Both are plain environment variables and a datagram: under any other supervisor,
 * or none, they are unset and nothing happens. docs/deploy.md, docs/decisions.md. */
#ifndef LLMMETA_SYSTEMD_H
#define LLMMETA_SYSTEMD_H

/* Sends one notification ("READY=1", "STOPPING=1", "STATUS=..."), to the service
 * manager when $NOTIFY_SOCKET names one. Returns 1 sent, 0 no manager, -1 failed
 * (errno set); a failure is never fatal to the caller. */
int sd_notify_send(const char *state);

/* The listening socket inherited by socket activation: the first descriptor (3)
 * when $LISTEN_PID is this process and $LISTEN_FDS is 1; -1 when there is none.
 * With more than one, -2: llmmeta serves one socket and says so rather than pick.
 * The variables are removed so that no child process takes them for its own. */
int sd_listen_socket(void);

#endif
