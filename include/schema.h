/* schema.h -- versioned migrations, applied in order at start-up. */
#ifndef HOTLINE_SCHEMA_H
#define HOTLINE_SCHEMA_H

struct schema_migration {
	int		 version;
	const char	*name;
	const char	*sql;	/* statements separated by ";\n"; {ID} = auto key */
};

/* Ends with an entry whose sql is NULL. */
extern const struct schema_migration schema_migrations[];

#endif
