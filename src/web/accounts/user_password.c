/* user_password.c - POST /admin/users/<id>/password/ (administrators only): an
 * administrator sets a user's password (the form is on the user's admin page). The
 * new password follows signup's rules; setting it ends every session of the user
 * and is written to the admin log (without the password). It lives with the
 * accounts because it hashes, which happens off the request threads (hash_pool.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../auth/auth.h"
#include "../../auth/password.h"
#include "../../core/log.h"
#include "../../core/util.h"
#include "../../model/admin.h"
#include "../../model/user.h"
#include "../context.h"
#include "accounts.h"

void page_admin_user_password(http_req *r)
{
	if (web_hash_elsewhere(r, page_admin_user_password))
		return;
	int64_t id;
	if (!parse_int64(r->params[0], 1, INT64_MAX, &id)) {
		http_error(r, 404, NULL);
		return;
	}
	if (id == visitor(r)->user_id) { /* it would end the session that sets it */
		http_error(r, 400, "Change your own password at /accounts/password/change/.");
		return;
	}
	db *d = web_db(r);
	if (!d)
		return;
	struct user u = {0};
	int rc = user_by_id(d, id, &u);
	if (rc <= 0) {
		http_error(r, rc < 0 ? 500 : 404, rc < 0 ? "The user could not be read." : NULL);
		return;
	}
	const char *p1 = http_form(r, "password1"), *p2 = http_form(r, "password2");
	buf e1 = BUF_INIT, e2 = BUF_INIT;
	char hash[128];
	struct admin_actor a = {.id = visitor(r)->user_id, .name = visitor(r)->name ? visitor(r)->name : ""};
	if (!auth_new_password_ok(p1 ? p1 : "", p2 ? p2 : "", u.username, u.email, &e1, &e2)) {
		buf why = BUF_INIT;
		buf_printf(&why, "The password was not set. %s%s%s", e1.data ? e1.data : "", e1.len && e2.len ? " " : "",
			   e2.data ? e2.data : "");
		http_error(r, 400, why.data);
		buf_free(&why);
	} else if (password_hash(p1, hash) != 0 || user_change_password(d, id, hash) < 0) {
		http_error(r, 500, "The password could not be set.");
	} else {
		/* Logged after the change, in its own statement: the change is whole either way. */
		if (admin_log_add(d, &a, "user_set_password", "user", id, u.username, NULL, NULL, NULL) < 0)
			log_error("admin: the password of user %lld was set but not logged: %s", (long long)id, db_errmsg(d));
		char to[80];
		snprintf(to, sizeof to, "/admin/users/%lld/?done=set_password", (long long)id);
		http_redirect(r, 303, to);
	}
	buf_free(&e1);
	buf_free(&e2);
	user_clear(&u);
}
