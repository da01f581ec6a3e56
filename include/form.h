/*
 * form.h -- application/x-www-form-urlencoded bodies and query strings.
 *
 * Everything a provider posts arrives as a form.  Input is hostile: the
 * parser bounds the number of parameters, rejects malformed percent escapes
 * and rejects any name or value that is not valid UTF-8 after decoding.
 */
#ifndef HOTLINE_FORM_H
#define HOTLINE_FORM_H

#include <stddef.h>

#define FORM_MAX_PARAMS 256

struct form_param {
	char	*name;		/* decoded, NUL-terminated, owned by the form */
	char	*value;	/* in name's allocation, freed with it */
};

struct form {
	struct form_param	*params;	/* in the order they arrived */
	size_t			 n;
};

/*
 * Parse len bytes of body ("a=1&b=x+y&c=%41").  '+' decodes to a space.
 * Repeated names are kept, in order.  Empty pieces ("a=1&&b=2") are skipped;
 * a piece with no '=' is a name with an empty value.
 * Returns 0, or -1 with *err pointing at a static reason; on -1 the form is
 * left empty.  The caller frees with form_free().
 */
int		 form_parse(struct form *f, const char *body, size_t len,
		     const char **err);
/* First value of name, or NULL. */
const char	*form_get(const struct form *f, const char *name);
/* Append a parameter (copies both). Used by clients building requests. */
void		 form_add(struct form *f, const char *name, const char *value);
/* Encode the form as a body ("a=1&b=x%20y"); the caller frees the result. */
char		*form_encode(const struct form *f);
/* Percent-encode s for a URL query or form (RFC 3986 unreserved kept). Caller frees. */
char		*form_escape(const char *s);
/* 1 when the len bytes at s are valid UTF-8 (no overlongs, no surrogates). */
int		 form_utf8_valid(const char *s, size_t len);
/* Length of the UTF-8 sequence at s (0 if malformed), its code point in *cp. */
size_t		 form_utf8_decode(const unsigned char *s, size_t len,
		     unsigned int *cp);
void		 form_free(struct form *f);

#endif
