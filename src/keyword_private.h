/*
 * keyword_private.h -- what keyword_load.c borrows from keyword.c, private
 * to the two: the loader normalises and checks sms.yaml's words the way
 * texts are matched.
 */
#ifndef HOTLINE_KEYWORD_PRIVATE_H
#define HOTLINE_KEYWORD_PRIVATE_H

#include <stddef.h>

/* 1 when word is one of the n in list. */
int	 keyword_in(char *const *list, size_t n, const char *word);
/* The normalised word with every space removed, in place. */
char	*keyword_squeeze(char *s);
/* Split normalised s into words in place: the count, or max + 1 if more. */
size_t	 keyword_split(char *s, char **words, size_t max);
/* Length of the placeholder name at s (after '{'), 0 if it is not one. */
size_t	 keyword_placeholder(const char *s);

#endif
