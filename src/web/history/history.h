/* history.h - the pages of what a user asked (web/history/): the list and search
 * (history.c), one conversation (conversation.c), renaming it (rename.c), deleting
 * (delete.c), the exports (export.c) and the uploaded files (uploads.c); their
 * rendered threads are kept in thread_cache.c. */
#ifndef LLMMETA_WEB_HISTORY_H
#define LLMMETA_WEB_HISTORY_H

#include "../../http/http.h"

void page_history(http_req *r);
void page_conversation(http_req *r);
void page_delete_conversation(http_req *r);
void page_conversation_dismiss(http_req *r);
void page_conversation_rename(http_req *r);
void page_export(http_req *r);
void page_conversation_export(http_req *r);
void page_upload(http_req *r);

#endif
