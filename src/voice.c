/* voice.c -- the voice webhooks. */
#include "hotline.h"

void
voice_init(struct hotline *hl)
{
	(void)hl;
}
