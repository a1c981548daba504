/* admin_flag.h - the administrator flag set by name from the command line
 * (`llmmeta setadmin`), for when no administrator can log in to grant it. */
#ifndef LLMMETA_ADMIN_FLAG_H
#define LLMMETA_ADMIN_FLAG_H

#include <stdbool.h>

#include "../db/db.h"

/* Sets or clears the administrator flag of the user named username (any case).
 * 1 changed, 0 it was already so, -2 no such user, -1 error. */
int user_set_admin_by_name(db *d, const char *username, bool admin);

#endif
