/* migrate.h - numbered schema migrations, applied in order and recorded in
 * schema_migrations. Safe to run from several instances at once. */
#ifndef LLMMETA_MIGRATE_H
#define LLMMETA_MIGRATE_H

#include "db.h"

/* Applies every migration not yet recorded. Returns the number applied, or -1 with
 * the reason in db_errmsg(d). */
int db_migrate(db *d);
/* The highest migration this binary knows. */
int db_schema_version(void);

#endif
