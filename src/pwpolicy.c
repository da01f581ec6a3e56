/*
 * pwpolicy.c -- new staff passwords (see pwpolicy.h).
 *
 * Length first, counted in characters.  Then the guesses every password
 * list starts with, which length alone lets through: the long entries of
 * the well-known leaked-password lists, one key or a keyboard row
 * repeated, and a common word padded with digits and signs to reach the
 * length ("Password2024!", "hotline123456").  Comparisons ignore case.
 * The list is short on purpose: it is what an attacker tries first, not a
 * dictionary.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pwpolicy.h"
#include "xmalloc.h"

/* Long passwords high on the leaked-password lists, lower case. */
static const char *const pwpolicy_common[] = {
	"000000000000", "111111111111", "112233445566", "123123123123",
	"1234512345", "123456123456", "123456654321", "1234567890123",
	"123456789012", "1234567891011", "123456789123", "123456789abc",
	"123456789qwe", "1234qwerasdf", "1234qwerasdfzxcv", "123abc123abc",
	"123qweasdzxc", "147258369147", "1q2w3e4r5t6y", "1q2w3e4r5t6y7u",
	"1qaz2wsx3edc", "1qaz2wsx3edc4rfv", "1qazxsw23edc", "222222222222",
	"5201314520", "555555555555", "666666666666", "987654321098",
	"999999999999", "a1b2c3d4e5f6", "aaaaaaaaaaaa", "abc123abc123",
	"abcd1234abcd", "abcdefghijkl", "abcdefghijklmnop", "administrator",
	"administrator1", "asdfghjkl123", "asdfghjklqwe", "changeme1234",
	"changemenow!", "correcthorsebatterystaple", "football1234",
	"baseball1234", "iloveyou1234", "iloveyouiloveyou", "letmeinletmein",
	"michael12345", "monkey123456", "password1234", "password12345",
	"password123456", "passwordpassword", "princess1234", "q1w2e3r4t5y6",
	"qazwsxedcrfv", "qwe123qwe123", "qweasdzxc123", "qwer1234asdf",
	"qwerty123456", "qwertyqwerty", "qwertyuiop12", "qwertyuiop123",
	"qwertyuiopasdf", "qwertyuiopasdfgh", "starwars1234", "sunshine1234",
	"superman1234", "trustno1trustno1", "welcome12345", "welcome123456",
	"zaq12wsxcde3", "zaq1xsw2cde3", "zxcvbnm12345", "zxcvbnmasdfg",
};

/*
 * Words a guesser pads to length: the lists' favourites and what anyone
 * would try at a running-injury clinic's phone line in Texas.
 */
static const char *const pwpolicy_words[] = {
	"abc", "abcdef", "admin", "administrator", "austin", "baseball",
	"changeme", "clinic", "dallas", "default", "dragon", "football",
	"fortworth", "hotline", "houston", "iloveyou", "letmein", "login",
	"marathon", "master", "monkey", "p@ssw0rd", "p@ssword", "passw0rd",
	"password", "physio", "princess", "qwerty", "qwertyuiop", "runner",
	"running", "secret", "shadow", "spring", "summer", "sunshine",
	"superman", "texas", "trustno1", "welcome", "winter",
};

static size_t
pwpolicy_chars(const char *s)
{
	size_t	n = 0;

	/* UTF-8: count every byte that does not continue a character. */
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

/* 1 when s is one short piece repeated ("abcabcabcabc", "xxxxxxxxxxxx"). */
static int
pwpolicy_repeats(const char *s)
{
	size_t	n = strlen(s), k, i;

	for (k = 1; k <= 4 && k < n; k++) {
		if (n % k != 0)
			continue;
		for (i = k; i < n && s[i] == s[i - k]; i++)
			;
		if (i == n)
			return (1);
	}
	return (0);
}

/* From a to b: +1 or -1 on the keys' order, digits going round 9 to 0. */
static int
pwpolicy_step(char a, char b)
{
	if (isdigit((unsigned char)a) && isdigit((unsigned char)b)) {
		if (a == '9' && b == '0')
			return (1);
		if (a == '0' && b == '9')
			return (-1);
	}
	return (b - a);
}

/* 1 when s runs up or down the alphabet or digits ("abcdefghijklm"). */
static int
pwpolicy_run(const char *s)
{
	size_t	i, n = strlen(s);
	int	d;

	if (n < 2)
		return (0);
	d = pwpolicy_step(s[0], s[1]);
	if (d != 1 && d != -1)
		return (0);
	for (i = 2; i < n; i++)
		if (pwpolicy_step(s[i - 1], s[i]) != d)
			return (0);
	return (1);
}

/* s without digits and signs at either end (the padding). */
static char *
pwpolicy_core(const char *s)
{
	const char	*b = s, *e = s + strlen(s);

	while (*b != '\0' && !isalpha((unsigned char)*b) && *b != '@')
		b++;
	while (e > b && !isalpha((unsigned char)e[-1]))
		e--;
	return (xstrndup(b, (size_t)(e - b)));
}

const char *
pwpolicy_check(const char *name, const char *pw)
{
	char		*low, *core;
	const char	*why = NULL;
	size_t		 i;

	if (pw == NULL || pwpolicy_chars(pw) < PWPOLICY_MIN)
		return ("a password needs at least 12 characters (a few words "
		    "make a good one)");
	low = xstrdup(pw);
	for (i = 0; low[i] != '\0'; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	core = pwpolicy_core(low);
	if (name != NULL && (strcasecmp(low, name) == 0 ||
	    strcasecmp(core, name) == 0))
		why = "a password must not be the account's name";
	for (i = 0; why == NULL && i < sizeof pwpolicy_common /
	    sizeof pwpolicy_common[0]; i++)
		if (strcmp(low, pwpolicy_common[i]) == 0)
			why = "that password is on the list of common passwords";
	if (why == NULL && (pwpolicy_repeats(low) || pwpolicy_run(low)))
		why = "that password is one short run of keys: easy to guess";
	/* A common word, or one repeated, padded with digits and signs. */
	for (i = 0; why == NULL && i < sizeof pwpolicy_words /
	    sizeof pwpolicy_words[0]; i++) {
		size_t	wl = strlen(pwpolicy_words[i]), cl = strlen(core), k;

		if (cl == 0 || cl % wl != 0)
			continue;
		for (k = 0; k < cl && strncmp(core + k, pwpolicy_words[i],
		    wl) == 0; k += wl)
			;
		if (k == cl)
			why = "that password is a common word with digits or "
			    "signs added: easy to guess";
	}
	free(core);
	explicit_bzero(low, strlen(low));
	free(low);
	return (why);
}
