/* thread_cache.c - the rendered threads of recently viewed conversations, by
 * (conversation id, revision), bounded in bytes, least recently used dropped first
 * (see thread_cache.h).
 *
 * One mutex guards the table and the recency list. The HTML itself is an immutable,
 * reference-counted block: a hit takes a reference under the lock and copies the
 * bytes after releasing it, so two threads viewing long conversations do not wait on
 * each other's memcpy, and an entry dropped meanwhile is freed by its last reader. */
#include "thread_cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct html_block {
	atomic_size_t refs;
	size_t len;
	char data[];
};

struct entry {
	int64_t conv_id, revision;
	struct html_block *html;
	size_t cost;                /* what it counts against the bound */
	struct entry *newer, *older; /* the recency list */
	struct entry *next;         /* the bucket's chain */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry **buckets;
static size_t nbuckets; /* 0 or a power of two */
static size_t nentries, used;
static atomic_size_t limit = THREAD_CACHE_DEFAULT_BYTES; /* written under lock; read before it by put */
static struct entry *newest, *oldest;

static void block_release(struct html_block *h)
{
	if (atomic_fetch_sub(&h->refs, 1) == 1)
		free(h);
}

static size_t bucket_of(int64_t conv_id, size_t n)
{
	return (size_t)(((uint64_t)conv_id * 0x9E3779B97F4A7C15u) >> 32) & (n - 1);
}

/* The entry's link in its bucket's chain (the chain's end when there is none). */
static struct entry **find(int64_t conv_id)
{
	struct entry **e = &buckets[bucket_of(conv_id, nbuckets)];
	while (*e && (*e)->conv_id != conv_id)
		e = &(*e)->next;
	return e;
}

static void list_unlink(struct entry *e)
{
	*(e->newer ? &e->newer->older : &newest) = e->older;
	*(e->older ? &e->older->newer : &oldest) = e->newer;
	e->newer = e->older = NULL;
}

static void list_push(struct entry *e)
{
	e->older = newest;
	e->newer = NULL;
	*(newest ? &newest->newer : &oldest) = e;
	newest = e;
}

static void drop(struct entry *e)
{
	struct entry **link = find(e->conv_id);
	*link = e->next;
	list_unlink(e);
	used -= e->cost;
	nentries--;
	block_release(e->html);
	free(e);
}

/* Drops the least recently used entries until `extra` more bytes fit. */
static void make_room(size_t extra)
{
	while (oldest && used + extra > limit)
		drop(oldest);
}

/* Doubles the table once it holds as many entries as buckets (from 64), keeping
 * chains short; a failed allocation only leaves them longer. */
static void grow(void)
{
	if (nentries < nbuckets)
		return;
	size_t n = nbuckets ? nbuckets * 2 : 64;
	struct entry **b = calloc(n, sizeof *b);
	if (!b)
		return;
	for (size_t i = 0; i < nbuckets; i++) {
		for (struct entry *e = buckets[i], *next; e; e = next) {
			next = e->next;
			size_t k = bucket_of(e->conv_id, n);
			e->next = b[k];
			b[k] = e;
		}
	}
	free(buckets);
	buckets = b;
	nbuckets = n;
}

bool thread_cache_get(int64_t conv_id, int64_t revision, buf *b)
{
	struct html_block *h = NULL;
	pthread_mutex_lock(&lock);
	struct entry *e = nbuckets ? *find(conv_id) : NULL;
	if (e && e->revision == revision) {
		h = e->html;
		atomic_fetch_add(&h->refs, 1);
		list_unlink(e);
		list_push(e);
	}
	pthread_mutex_unlock(&lock);
	if (!h)
		return false;
	buf_append(b, h->data, h->len);
	block_release(h);
	return true;
}

void thread_cache_put(int64_t conv_id, int64_t revision, const char *html, size_t len)
{
	size_t cost = sizeof(struct entry) + sizeof(struct html_block) + len;
	if (len > atomic_load(&limit) / 4)
		return;
	/* Built outside the lock: the copy is the expensive part. */
	struct html_block *h = malloc(sizeof *h + len);
	struct entry *fresh = malloc(sizeof *fresh);
	if (!h || !fresh) {
		free(h);
		free(fresh);
		return;
	}
	atomic_init(&h->refs, 1);
	h->len = len;
	memcpy(h->data, html, len);
	*fresh = (struct entry){.conv_id = conv_id, .revision = revision, .html = h, .cost = cost};

	pthread_mutex_lock(&lock);
	struct entry *old = nbuckets ? *find(conv_id) : NULL;
	if (old && old->revision >= revision) {
		/* A newer page, or the same revision written by another thread: keep it. */
		pthread_mutex_unlock(&lock);
		block_release(h);
		free(fresh);
		return;
	}
	if (old)
		drop(old);
	make_room(cost);
	grow();
	if (nbuckets && used + cost <= limit) {
		struct entry **link = find(conv_id);
		fresh->next = *link;
		*link = fresh;
		list_push(fresh);
		used += cost;
		nentries++;
		fresh = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (fresh) {
		block_release(h);
		free(fresh);
	}
}

void thread_cache_limit(size_t bytes)
{
	pthread_mutex_lock(&lock);
	limit = bytes;
	make_room(0);
	pthread_mutex_unlock(&lock);
}

void thread_cache_usage(size_t *bytes, size_t *entries)
{
	pthread_mutex_lock(&lock);
	*bytes = used;
	*entries = nentries;
	pthread_mutex_unlock(&lock);
}

void thread_cache_clear(void)
{
	pthread_mutex_lock(&lock);
	while (oldest)
		drop(oldest);
	pthread_mutex_unlock(&lock);
}
