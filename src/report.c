/* report.c */
#include "cli.h"
