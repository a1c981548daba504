/* hash_pool.c - the pages that hash a password (log in, sign up, change and reset a
 * password) run their POST on one thread of their own, not on an HTTP worker.
 * Argon2id takes tens of milliseconds of a core and 64 MiB by design: run on the
 * workers, a few clients guessing passwords from many addresses would hold every
 * worker and every other page would wait. Here at most one hash runs at once, the
 * requests waiting for it are a bounded queue (HASH_QUEUE), and one that finds the
 * queue full is answered 503 with Retry-After at once. While a request waits, its
 * connection is suspended (http_hand_off): no worker waits with it. */
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../core/config.h"
#include "../../core/workq.h"
#include "accounts.h"

/* Queued jobs left to run at the stop before they are answered 503. */
#define HASH_STOP_MS 2000

struct hash_job {
	http_req *r;
	http_handler page;
	bool ran;
};

/* max is set from HASH_QUEUE at the first push (cfg is read before serving). */
static struct workq pool = WORKQ_INIT(0, "password hashing");
static _Thread_local bool on_pool;

static void busy(http_req *r)
{
	http_error_retry(r, 503, "Too many sign-ins and password changes are waiting right now. Try again in a moment.");
}

/* The hashing thread yields the processor to the HTTP workers: on a busy machine a
 * sign-in waits a little longer, and the pages do not. */
#define HASH_NICE 5

static void run(void *arg)
{
	struct hash_job *j = arg;
	static _Thread_local bool niced;
	if (!niced) {
		/* Linux: a thread's own nice value, through its thread id. */
		(void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), HASH_NICE);
		niced = true;
	}
	on_pool = true;
	j->page(j->r);
	on_pool = false;
	j->ran = true;
}

/* After run, or for a job dropped at the stop: the request is answered either way. */
static void done(void *arg)
{
	struct hash_job *j = arg;
	if (!j->ran)
		busy(j->r);
	struct MHD_Connection *conn = j->r->conn;
	free(j);
	http_resume(conn);
}

bool web_hash_elsewhere(http_req *r, http_handler page)
{
	if (on_pool)
		return false;
	struct hash_job *j = malloc(sizeof *j);
	if (!j) {
		http_error(r, 500, NULL);
		return true;
	}
	*j = (struct hash_job){.r = r, .page = page};
	pthread_mutex_lock(&pool.mu);
	pool.max = cfg.hash_queue;
	pthread_mutex_unlock(&pool.mu);
	/* Handed off first: the job may run, and resume the connection, as soon as it
	 * is queued. A refusal answers and resumes at once. */
	http_hand_off(r);
	if (workq_push(&pool, run, done, j) < 0) {
		busy(r);
		free(j);
		http_resume(r->conn);
	}
	return true;
}

bool web_hash_thread(void) { return on_pool; }

void web_hash_stop(void) { workq_stop(&pool, HASH_STOP_MS); }
