/* cli_prompts.c */
#include "cli.h"
