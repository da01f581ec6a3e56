/* notify.c */
#include "cli.h"
