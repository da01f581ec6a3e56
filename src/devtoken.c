/*
 * devtoken.c -- the local development auth token (see devtoken.h).
 *
 * A newcomer's first `hotlined` has no provider account, and without an
 * auth token every webhook, the terminal phone's included, is refused.  So
 * in development the service makes a random token of its own in the data
 * folder, readable by its owner only, and says so; the command-line tool
 * loading the same configuration from the same folder finds the same file.
 * Production (service.environment or HOTLINE_ENV) never reads or makes
 * one: there a missing token stops the service from starting.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "devtoken.h"
#include "util.h"
#include "xmalloc.h"

#define DEVTOKEN_FILE "dev-auth-token"

char *
devtoken_path(const struct config *cfg)
{
	return (util_data_path(cfg->store, DEVTOKEN_FILE));
}

int
devtoken_read(struct config *cfg)
{
	struct stat	 st;
	char		*path, *tok;

	if (cfg->auth_token != NULL)
		return (0);
	if (cfg->production)
		return (-1);
	path = devtoken_path(cfg);
	tok = util_read_file_stat(path, 4096, NULL, &st);
	free(path);
	if (tok == NULL)
		return (-1);
	util_trim(tok);
	if (*tok == '\0') {
		free(tok);
		return (-1);
	}
	cfg->auth_token = tok;
	cfg->dev_token = 1;
	return (0);
}

int
devtoken_create(const struct config *cfg, char **err)
{
	char	*path, *tok, *line;
	size_t	 len;
	int	 fd, rc = -1;

	*err = NULL;
	path = devtoken_path(cfg);
	util_mkdirs(path);
	/* O_EXCL: a token already there (another start) is kept. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		if (errno == EEXIST)
			rc = 0;
		else
			xasprintf(err, "%s: %s", path, strerror(errno));
		free(path);
		return (rc);
	}
	tok = util_random_hex(32);
	xasprintf(&line, "%s\n", tok);
	len = strlen(line);
	if (write(fd, line, len) == (ssize_t)len && fsync(fd) == 0)
		rc = 0;
	else {
		xasprintf(err, "%s: %s", path, strerror(errno));
		(void)unlink(path);
	}
	close(fd);
	free(line);
	free(tok);
	free(path);
	return (rc);
}

const char *
devtoken_refusal(const struct config *cfg)
{
	if (!cfg->production)
		return (NULL);
	if (!cfg->verify_signatures)
		return ("production: verify_signatures is off (local "
		    "development only; HOTLINE_ENV=development to try it)");
	if (cfg->auth_token == NULL || *cfg->auth_token == '\0')
		return ("production needs the provider's auth token: set "
		    "TWILIO_AUTH_TOKEN or provider.auth_token_file "
		    "(HOTLINE_ENV=development makes a local one to try it)");
	return (NULL);
}
