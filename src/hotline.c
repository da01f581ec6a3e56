/* hotline.c -- the command-line tool. */
#include <stdio.h>

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return (0);
}
