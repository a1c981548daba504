/* routes.c - every path the site answers, its methods, its page and its flags
 * (routes.h): the one place to look for what a URL runs. */
#include "routes.h"

#include "../../http/assets.h"
#include "../accounts/accounts.h"
#include "../admin/admin.h"
#include "../api/api.h"
#include "../ask/ask.h"
#include "../compare/compare.h"
#include "../history/history.h"
#include "../site/site.h"

const struct route app_routes[] = {
	{"/", HTTP_GET, page_home, 0},
	{"/about/", HTTP_GET, page_about, 0},
	{"/ask/", HTTP_GET | HTTP_POST, page_ask, USER | UPLOAD},
	/* Comparing models side by side, blind votes and the leaderboard (docs/compare.md). */
	{"/compare/", HTTP_GET | HTTP_POST, page_compare, USER | UPLOAD},
	{"/compare/<uuid>/", HTTP_GET, page_compare_view, USER},
	{"/compare/<uuid>/vote/", HTTP_POST, page_compare_vote, USER},
	{"/arena/", HTTP_GET | HTTP_POST, page_arena, USER | UPLOAD},
	{"/arena/leaderboard/", HTTP_GET, page_leaderboard, USER},
	{"/arena/votes.csv", HTTP_GET, page_votes_export, USER},
	{"/arena/votes.jsonl", HTTP_GET, page_votes_export, USER},
	{"/conversation/", HTTP_GET, page_history, USER},
	{"/conversation/<uuid>/", HTTP_GET | HTTP_POST, page_conversation, USER | UPLOAD},
	{"/conversation/<uuid>/rename/", HTTP_POST, page_conversation_rename, USER},
	{"/conversation/<uuid>/dismiss/<int>/", HTTP_POST, page_conversation_dismiss, USER},
	{"/conversation/<uuid>/export.md", HTTP_GET, page_conversation_export, USER},
	{"/conversation/<uuid>/export.csv", HTTP_GET, page_conversation_export, USER},
	{"/conversation/<uuid>/export.jsonl", HTTP_GET, page_conversation_export, USER},
	{"/prompts/<int>/delete/", HTTP_POST, page_prompt_delete, USER},
	{"/uploads/<int>/", HTTP_GET, page_upload, USER},
	{"/delete_conversation/<uuid>/", HTTP_GET | HTTP_POST, page_delete_conversation, USER},
	{"/export/messages.csv", HTTP_GET, page_export, USER},
	{"/export/messages.jsonl", HTTP_GET, page_export, USER},
	/* Anonymous visitors may post VIEWER_ANON_BODY (site.h) here, logged-in users MAX_UPLOAD_BYTES. */
	{"/json-viewer/", HTTP_GET | HTTP_POST, page_json_viewer, UPLOAD | WHOLE_FILES},
	{"/accounts/signup/", HTTP_GET | HTTP_POST, page_signup, 0},
	{"/accounts/login/", HTTP_GET | HTTP_POST, page_login, 0},
	{"/accounts/logout/", HTTP_POST, page_logout, 0},
	{"/accounts/password/change/", HTTP_GET | HTTP_POST, page_password_change, USER},
	/* Password reset by e-mail (password_reset.c); key/done/ before key/<token>/. */
	{"/accounts/password/reset/", HTTP_GET | HTTP_POST, page_password_reset, 0},
	{"/accounts/password/reset/done/", HTTP_GET, page_password_reset_done, 0},
	{"/accounts/password/reset/key/done/", HTTP_GET, page_password_reset_key_done, 0},
	{"/accounts/password/reset/key/<token>/", HTTP_GET | HTTP_POST, page_password_reset_key, 0},
	/* Sign-in with a provider (docs/sign-in.md): the callback is a GET from the
	 * provider's redirect, checked by its state instead of a CSRF token. */
	{"/accounts/social/connections/", HTTP_GET | HTTP_POST, page_connections, USER},
	{"/accounts/<word>/login/", HTTP_GET | HTTP_POST, page_social_login, 0},
	{"/accounts/<word>/login/callback/", HTTP_GET, page_social_callback, 0},
	{"/health/", HTTP_GET | HTTP_POST, page_health, NO_CSRF | NO_SESSION},
	/* The admin panel (docs/admin.md): administrators only. */
	{"/admin/", HTTP_GET, page_admin, ADMIN},
	{"/admin/messages/", HTTP_GET, page_admin_messages, ADMIN},
	{"/admin/messages/delete/", HTTP_POST, page_admin_messages_delete, ADMIN},
	{"/admin/messages/<int>/", HTTP_GET | HTTP_POST, page_admin_message, ADMIN},
	{"/admin/messages/<int>/delete/", HTTP_POST, page_admin_message_delete, ADMIN},
	{"/admin/users/", HTTP_GET, page_admin_users, ADMIN},
	{"/admin/users/new/", HTTP_GET | HTTP_POST, page_admin_user_new, ADMIN},
	{"/admin/users/<int>/", HTTP_GET | HTTP_POST, page_admin_user, ADMIN},
	{"/admin/users/<int>/password/", HTTP_POST, page_admin_user_password, ADMIN},
	{"/admin/log/", HTTP_GET, page_admin_log, ADMIN},
	{"/static/<path>", HTTP_GET, http_send_asset, NO_SESSION},
	/* Metrics (docs/metrics.md): an admin session or the METRICS_TOKEN bearer (metrics_page.c). */
	{"/metrics", HTTP_GET, page_metrics, NO_SESSION},
	/* The OpenAI-compatible API and its keys (docs/api.md). */
	{"/accounts/keys/", HTTP_GET | HTTP_POST, page_api_keys, USER},
	{"/accounts/keys/<int>/revoke/", HTTP_POST, page_api_key_revoke, USER},
	{"/v1/models", HTTP_GET, page_api_models, API | NO_CSRF},
	{"/v1/models/<path>", HTTP_GET, page_api_model, API | NO_CSRF},
	{"/v1/chat/completions", HTTP_POST, page_api_chat, API | NO_CSRF},
	{"/v1/embeddings", HTTP_POST, page_api_embeddings, API | NO_CSRF},
	{"/v1/responses", HTTP_POST, page_api_responses, API | NO_CSRF},
	{"/v1/responses/<token>", HTTP_GET | HTTP_DELETE, page_api_response, API | NO_CSRF},
	{"/v1/responses/<token>/input_items", HTTP_GET, page_api_response_items, API | NO_CSRF},
	{"/v1/compare", HTTP_POST, page_api_compare, API | NO_CSRF},
};

const size_t app_nroutes = sizeof app_routes / sizeof app_routes[0];
