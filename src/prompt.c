/* prompt.c -- serving recorded prompts. */
#include "hotline.h"

void
prompt_init(struct hotline *hl)
{
	(void)hl;
}
