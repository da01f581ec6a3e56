/* shipped.h -- what the unit tests that read the shipped config/ share. */
#ifndef HOTLINE_TEST_SHIPPED_H
#define HOTLINE_TEST_SHIPPED_H

#include <check.h>

struct config;

/* The top of the source tree ($top_srcdir, else "."), made absolute. */
extern char	 shipped_top[4096];

/* config/hotline.yaml under shipped_top, loaded (errors printed). */
struct config	*shipped_config(void);
/* Run the suite: the test program's exit status. */
int		 shipped_run(Suite *);

#endif
