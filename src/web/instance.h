/* instance.h - this server's lease (instance.c): start before serving, stop after
 * the last request. */
#ifndef LLMMETA_WEB_INSTANCE_H
#define LLMMETA_WEB_INSTANCE_H

#include <stdbool.h>
#include <stdint.h>

/* Registers the lease, marks the questions orphaned by dead servers 'interrupted'
 * and starts the renewal thread; 0 or -1. */
int instance_start(void);
/* Stops the renewal and gives the lease back. */
void instance_stop(void);
/* This server's lease id, recorded with each question it asks (0 before start). */
int64_t instance_self(void);
/* Whether other instances may share this database (PostgreSQL): what must hold
 * across instances is then kept in it, not in this process's memory. */
bool instance_shared(void);
/* The oldest renewal a live instance's lease can have (ms since the epoch): an
 * instance not seen since is dead, and what it held counts for nothing. */
int64_t instance_live_since(void);

#endif
