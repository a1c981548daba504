/* health.h - the database checks behind /health/: reads that touch the real tables,
 * and a write (a keep-alive row inserted and deleted in one transaction). */
#ifndef LLMMETA_MODEL_HEALTH_H
#define LLMMETA_MODEL_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "../db/db.h"

struct health {
	int64_t conversations;
	bool has_latest;
	int64_t latest_message; /* ms since the epoch, when has_latest */
};

/* A SELECT 1, the number of conversations and the time of the latest message. 0 or -1. */
int health_read(db *d, struct health *h);
/* Inserts and deletes a keep-alive row in one transaction. 0 or -1. */
int health_write(db *d);

#endif
