/* auth.c */
#include "cli.h"
