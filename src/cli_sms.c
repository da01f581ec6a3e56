/* cli_sms.c */
#include "cli.h"
