/* sms.c -- the SMS webhooks. */
#include "hotline.h"

void
sms_init(struct hotline *hl)
{
	(void)hl;
}
