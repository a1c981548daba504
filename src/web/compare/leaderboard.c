/* leaderboard.c - placeholder until the leaderboard lands. */
#include "../context.h"
#include "compare.h"

void page_leaderboard(http_req *r) { http_error(r, 404, NULL); }
void page_votes_export(http_req *r) { http_error(r, 404, NULL); }
