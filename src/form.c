/*
 * form.c -- application/x-www-form-urlencoded parsing and encoding.
 *
 * Bodies come straight off the network, so every decoded name and value is
 * checked before anything else sees it: no NUL (it would silently truncate
 * the string for every later strcmp), no broken escapes, valid UTF-8 only.
 */
#include <sys/types.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "xmalloc.h"

static int	form_hexval(unsigned char);
static ssize_t	form_decode(const char *, size_t, char *, const char **);

static int
form_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Length of the well-formed UTF-8 sequence at the start of s, or 0, with
 * its code point in *cp.  The byte ranges are those of RFC 3629 table 3-7,
 * which is what excludes overlong forms, surrogates and code points above
 * U+10FFFF.
 */
size_t
form_utf8_decode(const unsigned char *s, size_t len, unsigned int *cp)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		need, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return (1);
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		need = 2;
		*cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		need = 3;
		*cp = s[0] & 0x0f;
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		need = 4;
		*cp = s[0] & 0x07;
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (len < need || s[1] < lo || s[1] > hi)
		return (0);
	for (i = 1; i < need; i++) {
		if (s[i] < 0x80 || s[i] > 0xbf)
			return (0);
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return (need);
}

int
form_utf8_valid(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n;
	unsigned int		 cp;

	while (len > 0) {
		if ((n = form_utf8_decode(p, len, &cp)) == 0)
			return (0);
		p += n;
		len -= n;
	}
	return (1);
}

/*
 * Decode one name or value into out (room for len + 1); its length, or -1
 * with *err set if it is not acceptable.
 */
static ssize_t
form_decode(const char *s, size_t len, char *out, const char **err)
{
	size_t	 i, o = 0;
	int	 hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (len - i < 3 ||
			    (hi = form_hexval((unsigned char)s[i + 1])) == -1 ||
			    (lo = form_hexval((unsigned char)s[i + 2])) == -1) {
				*err = "bad percent escape";
				return (-1);
			}
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			out[o++] = s[i];
		if (out[o - 1] == '\0') {
			*err = "NUL byte";
			return (-1);
		}
	}
	out[o] = '\0';
	if (!form_utf8_valid(out, o)) {
		*err = "invalid UTF-8";
		return (-1);
	}
	return ((ssize_t)o);
}

/*
 * Each parameter is one allocation, its name then its value (form_free
 * frees the name), and the table is sized once: a webhook has a dozen
 * or two of them, and an allocation each made parsing a visible part of
 * answering one.
 */
int
form_parse(struct form *f, const char *body, size_t len, const char **err)
{
	const char	*p = body, *end = body + len, *amp, *eq, *q;
	char		*name;
	size_t		 max = 1;
	ssize_t		 nl;

	f->params = NULL;
	f->n = 0;
	*err = NULL;

	for (q = body; q < end && max <= FORM_MAX_PARAMS; q++) {
		if ((q = memchr(q, '&', end - q)) == NULL)
			break;
		max++;
	}
	if (len > 0)
		f->params = xreallocarray(NULL, max, sizeof *f->params);
	while (p < end) {
		if ((amp = memchr(p, '&', end - p)) == NULL)
			amp = end;
		if (amp == p) {
			p++;
			continue;
		}
		if (f->n == FORM_MAX_PARAMS) {
			*err = "too many parameters";
			goto fail;
		}
		if ((eq = memchr(p, '=', amp - p)) == NULL)
			eq = amp;
		/*
		 * An empty name cannot be looked up and no provider sends one;
		 * taking it would only give the signature one more input.
		 */
		if (eq == p) {
			*err = "empty parameter name";
			goto fail;
		}
		/* Decoding only shortens: the encoded lengths are room enough. */
		name = xmalloc((size_t)(amp - p) + 2);
		if ((nl = form_decode(p, eq - p, name, err)) == -1) {
			free(name);
			goto fail;
		}
		if (eq == amp)
			name[nl + 1] = '\0';
		else if (form_decode(eq + 1, amp - eq - 1, name + nl + 1,
		    err) == -1) {
			free(name);
			goto fail;
		}
		f->params[f->n].name = name;
		f->params[f->n].value = name + nl + 1;
		f->n++;
		p = amp + 1;
	}
	return (0);

fail:
	form_free(f);
	return (-1);
}

const char *
form_get(const struct form *f, const char *name)
{
	size_t	i;

	for (i = 0; i < f->n; i++) {
		if (strcmp(f->params[i].name, name) == 0)
			return (f->params[i].value);
	}
	return (NULL);
}

void
form_add(struct form *f, const char *name, const char *value)
{
	size_t	nl = strlen(name), vl = strlen(value);
	char	*p;

	f->params = xreallocarray(f->params, f->n + 1, sizeof *f->params);
	p = xmalloc(nl + vl + 2);
	memcpy(p, name, nl + 1);
	memcpy(p + nl + 1, value, vl + 1);
	f->params[f->n].name = p;
	f->params[f->n].value = p + nl + 1;
	f->n++;
}

char *
form_escape(const char *s)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	char			*out;
	size_t			 o = 0;

	out = xreallocarray(NULL, strlen(s) + 1, 3);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '.' || *p == '_' || *p == '~')
			out[o++] = (char)*p;
		else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 0xf];
		}
	}
	out[o] = '\0';
	return (out);
}

char *
form_encode(const struct form *f)
{
	char	*out, *name, *value;
	size_t	 i, len = 0, size = 1, nl, vl;

	out = xmalloc(size);
	for (i = 0; i < f->n; i++) {
		name = form_escape(f->params[i].name);
		value = form_escape(f->params[i].value);
		nl = strlen(name);
		vl = strlen(value);
		size = len + nl + vl + 3;
		out = xreallocarray(out, size, 1);
		if (i != 0)
			out[len++] = '&';
		memcpy(out + len, name, nl);
		len += nl;
		out[len++] = '=';
		memcpy(out + len, value, vl);
		len += vl;
		free(value);
		free(name);
	}
	out[len] = '\0';
	return (out);
}

void
form_free(struct form *f)
{
	size_t	i;

	/* A parameter's value is in its name's allocation (form_parse). */
	for (i = 0; i < f->n; i++)
		free(f->params[i].name);
	free(f->params);
	f->params = NULL;
	f->n = 0;
}
