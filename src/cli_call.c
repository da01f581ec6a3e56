/* cli_call.c */
#include "cli.h"
