/* staff.c -- the staff dashboard and JSON API. */
#include "hotline.h"

void
staff_init(struct hotline *hl)
{
	(void)hl;
}

void
staff_reconfigure(struct hotline *hl)
{
	(void)hl;
}

void
staff_free(struct staff *s)
{
	(void)s;
}
