/* Volume and sequence-number lifetimes of the ESP worker's SAs
 * (lifetime.c): limits set at install, checked periodically, reported to
 * the owning IKE worker as IPC_SA_EXPIRE. */
#ifndef ESP_LIFETIME_H
#define ESP_LIFETIME_H

#include <stdint.h>

#include "sa.h"

#define ESP_LIFETIME_CHECK_MS	250

struct esp_worker;

/* Sets sa's byte limits from IPC_SA_ADD (0 = none; soft is at most hard). */
void esp_lifetime_set(struct esp_sa *sa, uint64_t soft_bytes, uint64_t hard_bytes);
/* The limit sa reached and has not reported (1 soft, 2 hard, 0 none);
 * *why gets the enum sa_expire_why. */
int esp_lifetime_due_event(const struct esp_sa *sa, uint8_t *why);
/* Reports newly reached limits when the check is due. */
void esp_lifetime_check(struct esp_worker *w);
/* When the next check is due (a now_ms() time). */
long long esp_lifetime_due(void);

#endif
