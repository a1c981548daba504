/* instance.c - this server's lease (model/instance.h): registered at start, renewed
 * every RENEW_S seconds by a thread of its own, removed at a clean stop. At start,
 * and at each renewal, questions left in flight by instances that are gone - this
 * server before a crash or kill -9, or another instance whose lease ran out - are
 * marked 'interrupted', so that they show as such and can be asked again. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "../core/log.h"
#include "../core/ticker.h"
#include "../core/util.h"
#include "../model/instance.h"
#include "instance.h"

#define RENEW_S 10
#define LEASE_S 60 /* a lease not renewed for this long belongs to a dead instance */

static atomic_llong self;
static atomic_bool shared;
static char host[256];
static struct ticker lease = TICKER_INIT;

static bool pid_alive(int64_t pid) { return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM); }

static void sweep(db *d)
{
	int64_t marked = 0;
	if (instance_sweep(d, atomic_load(&self), host, now_ms() - LEASE_S * 1000, pid_alive, &marked) < 0)
		log_error("instances: the sweep failed: %s", db_errmsg(d));
	else if (marked)
		log_warn("instances: %lld questions were left unanswered by a server that stopped: marked interrupted",
			 (long long)marked);
}

static void renew(void *arg)
{
	(void)arg;
	db *d = db_thread();
	if (d && instance_renew(d, atomic_load(&self), now_ms()) == 0)
		sweep(d);
}

int instance_start(void)
{
	db *d = db_thread();
	if (gethostname(host, sizeof host) != 0)
		snprintf(host, sizeof host, "unknown");
	host[sizeof host - 1] = '\0';
	int64_t id = 0;
	if (!d || instance_register(d, host, (int64_t)getpid(), now_ms(), &id) < 0)
		return -1;
	atomic_store(&shared, db_backend(d) == DB_POSTGRES);
	atomic_store(&self, id);
	sweep(d);
	db_thread_close();
	return ticker_start(&lease, RENEW_S * 1000, renew, NULL);
}

int64_t instance_self(void) { return atomic_load(&self); }

bool instance_shared(void) { return atomic_load(&shared); }

int64_t instance_live_since(void) { return now_ms() - LEASE_S * 1000; }

void instance_stop(void)
{
	ticker_stop(&lease);
	db *d = atomic_load(&self) ? db_thread() : NULL;
	if (d)
		instance_end(d, atomic_load(&self));
}
