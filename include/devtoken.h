/*
 * devtoken.h -- the local development auth token: with no provider token
 * configured, hotlined makes one in its data folder so that `hotline call`
 * and `hotline sms` run from the same folder sign what the service checks.
 * Never used where the deployment says it is production.
 */
#ifndef HOTLINE_DEVTOKEN_H
#define HOTLINE_DEVTOKEN_H

struct config;

/*
 * The token file: dev-auth-token in the folder of the SQLite store (data/
 * for the shipped sqlite:data/hotline.db), or in data/ with PostgreSQL.
 * Caller frees.
 */
char	*devtoken_path(const struct config *);
/*
 * With no auth token configured and not production: take the token from
 * the file when there is one (cfg->auth_token, cfg->dev_token set).  0
 * when there is a token now, -1 when not.
 */
int	 devtoken_read(struct config *);
/*
 * Make the file (mode 0600, its folder 0750) unless it exists.  0 or -1
 * with *err set (caller frees).
 */
int	 devtoken_create(const struct config *, char **err);
/*
 * What keeps this deployment from running, or NULL: production without a
 * real auth token, or with signature checking off.  A constant string.
 */
const char *devtoken_refusal(const struct config *);

#endif
