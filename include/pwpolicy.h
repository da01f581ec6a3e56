/*
 * pwpolicy.h -- what a new staff password must be: at least
 * PWPOLICY_MIN characters, not the account's name, not on the list of
 * common passwords and not a common word with digits or signs around it.
 * Pure; the command-line tool asks before it hashes anything.
 */
#ifndef HOTLINE_PWPOLICY_H
#define HOTLINE_PWPOLICY_H

/* Characters (not bytes: a passphrase may be in Spanish). */
#define PWPOLICY_MIN	12

/* NULL when pw will do for name, else why not (a sentence, static). */
const char	*pwpolicy_check(const char *name, const char *pw);

#endif
