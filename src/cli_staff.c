/* cli_staff.c */
#include "cli.h"
