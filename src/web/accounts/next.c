/* next.c - which ?next= targets a login (by password or by a provider) may send
 * the visitor on to: only paths of this site, so that a link cannot use the login
 * page to redirect to another site. */
#include "accounts.h"

bool next_is_safe(const char *n)
{
	if (!n || n[0] != '/' || n[1] == '/' || n[1] == '\\')
		return false;
	for (const char *p = n; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == '\\' || *p == 0x7f)
			return false;
	return true;
}
