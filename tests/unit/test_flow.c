/*
 * test_flow.c -- the voice menu graph: loading config/flow.yaml, the
 * problems the loader reports as file:line, and matching keys and speech.
 */
#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "flow.h"
#include "log.h"

static char	srcdir[PATH_MAX];

static void
find_srcdir(void)
{
	const char	*s = getenv("top_srcdir");
	char		*slash;

	if (s != NULL && *s != '\0') {
		/* absolute: the copies made below link back to it */
		if (realpath(s, srcdir) == NULL)
			snprintf(srcdir, sizeof srcdir, "%s", s);
		return;
	}
	/* tests/unit/test_flow.c -> the top of the tree. */
	snprintf(srcdir, sizeof srcdir, "%s", __FILE__);
	for (int i = 0; i < 3; i++) {
		if ((slash = strrchr(srcdir, '/')) == NULL) {
			snprintf(srcdir, sizeof srcdir, ".");
			return;
		}
		*slash = '\0';
	}
}

static struct config *
load_shipped(void)
{
	char		 path[PATH_MAX + 64], **errors = NULL;
	struct config	*cfg;
	size_t		 i;

	snprintf(path, sizeof path, "%s/config/hotline.yaml", srcdir);
	cfg = config_load(path, &errors);
	for (i = 0; errors != NULL && errors[i] != NULL; i++)
		fprintf(stderr, "%s\n", errors[i]);
	config_errors_free(errors);
	return (cfg);
}

/*
 * A copy of the shipped configuration whose flow.yaml has from replaced
 * by to; returns the errors of loading it (NULL-ended; caller frees).
 */
static char **
load_with(const char *from, const char *to)
{
	char		 dir[] = "/tmp/test-flow-XXXXXX", cmd[3 * PATH_MAX], path[PATH_MAX + 64];
	char		*text, *at, **errors = NULL;
	struct config	*cfg;
	FILE		*f;
	long		 n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof cmd, "cp -r '%s/config' '%s/config' && "
	    "ln -s '%s/prompts' '%s/prompts'", srcdir, dir, srcdir, dir);
	ck_assert_int_eq(system(cmd), 0);
	snprintf(path, sizeof path, "%s/config/flow.yaml", dir);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)n + strlen(to) + 1);
	ck_assert_int_eq(fread(text, 1, (size_t)n, f), n);
	fclose(f);
	at = strstr(text, from);
	ck_assert_msg(at != NULL, "'%s' is not in flow.yaml", from);
	{
		char	*rest = strdup(at + strlen(from));

		strcpy(at, to);
		strcat(text, rest);
		free(rest);
	}
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	free(text);
	snprintf(path, sizeof path, "%s/config/hotline.yaml", dir);
	cfg = config_load(path, &errors);
	if (cfg != NULL)
		config_unref(cfg);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
	return (errors);
}

/* 1 when some error holds every one of the pieces (NULL-ended). */
static int
has_error(char **errors, const char *a, const char *b)
{
	size_t	i;

	for (i = 0; errors != NULL && errors[i] != NULL; i++) {
		if (strstr(errors[i], a) != NULL && (b == NULL ||
		    strstr(errors[i], b) != NULL))
			return (1);
	}
	return (0);
}

static void
dump(char **errors)
{
	size_t	i;

	for (i = 0; errors != NULL && errors[i] != NULL; i++)
		fprintf(stderr, "  %s\n", errors[i]);
}

START_TEST(test_shipped_flow_loads)
{
	struct config		*cfg = load_shipped();
	struct flow		*f;
	struct flow_node	*n;
	size_t			 i;
	int			 types[FLOW_GOODBYE + 1] = { 0 };

	ck_assert_ptr_nonnull(cfg);
	f = cfg->flow;
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->start->id, "main");
	ck_assert_int_eq(f->max_tries, 3);
	for (i = 0; i < f->nnodes; i++)
		types[f->nodes[i].type]++;
	for (i = 0; i <= FLOW_GOODBYE; i++)
		ck_assert_msg(types[i] > 0, "no node of type %zu", i);
	for (i = 0; i < FS_COUNT; i++) {
		ck_assert_ptr_nonnull(f->sys[i]);
		ck_assert_ptr_nonnull(f->sys[i]->text[0]);
		ck_assert_ptr_nonnull(f->sys[i]->text[1]);
	}
	n = flow_node(f, "clinics");
	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_eq(n->location_node, flow_node(f, "location"));
	/* every menu says its keys: each key's digit is in the prompt */
	for (i = 0; i < f->nnodes; i++) {
		n = &f->nodes[i];
		if (n->type != FLOW_MENU || n->prompt == NULL)
			continue;
		for (size_t k = 0; k < n->noptions; k++) {
			const char *key = n->options[k].key;

			if (key == NULL || n->options[k].global ||
			    strcmp(key, "9") == 0)
				continue;
			ck_assert_msg(strstr(n->prompt->text[0], key) != NULL,
			    "%s: key %s not said in English", n->id, key);
			ck_assert_msg(strstr(n->prompt->text[1], key) != NULL,
			    "%s: key %s not said in Spanish", n->id, key);
		}
	}
	config_unref(cfg);
}
END_TEST

START_TEST(test_match_keys_and_speech)
{
	struct config		*cfg = load_shipped();
	struct flow_node	*main, *clinics, *guide;
	struct flow_option	*o;
	char			*s;

	ck_assert_ptr_nonnull(cfg);
	main = flow_node(cfg->flow, "main");
	clinics = flow_node(cfg->flow, "clinics");
	guide = flow_node(cfg->flow, "stretches");

	o = flow_match(cfg, main, "2", NULL, 0);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o->target->id, "stretches");
	ck_assert_ptr_null(flow_match(cfg, main, "8", NULL, 0));
	o = flow_match(cfg, main, NULL, "i need to book an appointment", 0);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o->target->id, "appointment");
	o = flow_match(cfg, main, NULL, "quiero una cita", 1);
	ck_assert_ptr_nonnull(o);
	ck_assert_str_eq(o->target->id, "appointment");
	o = flow_match(cfg, main, "*", NULL, 0);
	ck_assert_int_eq(o->action, FA_REPEAT);
	ck_assert(o->global);
	o = flow_match(cfg, main, "0", NULL, 0);
	ck_assert_str_eq(o->target->id, "front_desk");

	s = flow_normalise("Stretches, please!");
	o = flow_match(cfg, main, NULL, s, 0);
	ck_assert_str_eq(o->target->id, "stretches");
	free(s);
	s = flow_normalise("Call me back");
	ck_assert_str_eq(flow_match(cfg, main, NULL, s, 0)->target->id,
	    "callback");
	free(s);
	s = flow_normalise("ESTIRAMIENTOS");
	ck_assert_str_eq(flow_match(cfg, main, NULL, s, 1)->target->id,
	    "stretches");
	free(s);
	s = flow_normalise("en español");
	o = flow_match(cfg, main, NULL, s, 0);
	ck_assert_int_eq(o->action, FA_LANGUAGE);
	ck_assert_int_eq(o->lang, 1);
	free(s);
	/* a spoken key alone */
	ck_assert_str_eq(flow_match(cfg, main, NULL, "four", 0)->target->id,
	    "clinics");
	ck_assert_str_eq(flow_match(cfg, main, NULL, "cuatro", 1)->target->id,
	    "clinics");
	ck_assert_ptr_null(flow_match(cfg, main, NULL, "banana bread", 0));

	o = flow_match(cfg, clinics, NULL, "coppell", 0);
	ck_assert_int_eq(o->action, FA_LOCATION);
	ck_assert_str_eq(o->location->id, "coppell");
	o = flow_match(cfg, clinics, "4", NULL, 0);
	ck_assert_str_eq(o->location->id, "garland");
	ck_assert_str_eq(flow_match(cfg, clinics, "5", NULL, 0)->target->id,
	    "zip");

	ck_assert_int_eq(flow_match(cfg, guide, "1", NULL, 0)->action,
	    FA_NEXT);
	ck_assert_int_eq(flow_match(cfg, guide, NULL, "siguiente", 1)->action,
	    FA_NEXT);
	ck_assert_int_eq(flow_match(cfg, guide, "#", NULL, 0)->action,
	    FA_BACK);
	config_unref(cfg);
}
END_TEST

START_TEST(test_normalise_and_digits)
{
	char	*s;

	s = flow_normalise("¿Código   POSTAL?  ");
	ck_assert_str_eq(s, "codigo postal");
	free(s);
	s = flow_normalise("Tuve una caída; ¡fiebre!");
	ck_assert_str_eq(s, "tuve una caida fiebre");
	free(s);
	s = flow_normalise("Llámenme, por favor. Ñandú");
	ck_assert_str_eq(s, "llamenme por favor nandu");
	free(s);
	s = flow_normalise("");
	ck_assert_str_eq(s, "");
	free(s);
	s = flow_digits("seven six one oh two");
	ck_assert_str_eq(s, "76102");
	free(s);
	s = flow_digits("siete seis uno cero dos");
	ck_assert_str_eq(s, "76102");
	free(s);
	s = flow_digits("my zip is 76102");
	ck_assert_str_eq(s, "76102");
	free(s);
	s = flow_digits("817 555 0142");
	ck_assert_str_eq(s, "8175550142");
	free(s);
}
END_TEST

START_TEST(test_guide_items)
{
	struct config		*cfg = load_shipped();
	struct flow_node	*n;
	const struct guide_part	*parts;
	const struct guide	*g;
	size_t			 nparts;

	ck_assert_ptr_nonnull(cfg);
	n = flow_node(cfg->flow, "stretches");
	ck_assert_uint_eq(flow_guide_items(n), 4);
	g = flow_guide_item(n, 2, &parts, &nparts);
	ck_assert_str_eq(g->id, "stretch_catcow");
	ck_assert_uint_eq(nparts, g->nparts);
	ck_assert_ptr_null(flow_guide_item(n, 4, &parts, &nparts));

	n = flow_node(cfg->flow, "prevention");
	ck_assert_uint_eq(flow_guide_items(n), 7);
	g = flow_guide_item(n, 1, &parts, &nparts);
	ck_assert_str_eq(g->id, "prevention");
	ck_assert_str_eq(parts[0].prompt->id, "prevention_shoes");
	ck_assert_uint_eq(nparts, 1);

	n = flow_node(cfg->flow, "recovery");
	ck_assert_uint_eq(flow_guide_items(n), 12);
	g = flow_guide_item(n, 6, &parts, &nparts);
	ck_assert_str_eq(g->id, "treatment");
	ck_assert_str_eq(parts[0].prompt->id, "treatment_specialist");
	config_unref(cfg);
}
END_TEST

START_TEST(test_unknown_node_reference)
{
	char	**e = load_with("goto: prevention,", "goto: prevnetion,");

	dump(e);
	ck_assert(has_error(e, "flow.yaml:", "'prevnetion'"));
	/* at the option's own line */
	ck_assert(!has_error(e, "flow.yaml: goto", NULL));
	config_errors_free(e);
}
END_TEST

START_TEST(test_key_used_twice)
{
	char	**e = load_with("{ key: \"6\", intent: text_menu",
	    "{ key: \"5\", intent: text_menu");

	dump(e);
	ck_assert(has_error(e, "flow.yaml:", "key '5' is used twice"));
	config_errors_free(e);
}
END_TEST

START_TEST(test_missing_prompt)
{
	char	**e = load_with("prompt: clinics_menu", "prompt: clinic_menu_x");

	dump(e);
	ck_assert(has_error(e, "flow.yaml:", "prompt 'clinic_menu_x' is "
	    "missing"));
	config_errors_free(e);
}
END_TEST

START_TEST(test_bad_pattern)
{
	char	**e = load_with("'\\b(stretch\\w*|strech\\w*|exercis\\w*|yoga)\\b'",
	    "'\\b(stretch'");

	dump(e);
	ck_assert(has_error(e, "flow.yaml:", "does not compile"));
	config_errors_free(e);
}
END_TEST

START_TEST(test_unreachable_node)
{
	char	**e = load_with("  goodbye:\n    type: goodbye\n",
	    "  goodbye:\n    type: goodbye\n  orphan:\n    type: goodbye\n");

	dump(e);
	ck_assert(has_error(e, "flow.yaml:", "'orphan' cannot be reached"));
	config_errors_free(e);
}
END_TEST

START_TEST(test_unknown_type_and_action)
{
	char	**e;

	e = load_with("type: zip", "type: zipcode");
	dump(e);
	ck_assert(has_error(e, "flow.yaml:", "unknown type 'zipcode'"));
	config_errors_free(e);
	e = load_with("action: text_address", "action: fax_address");
	dump(e);
	ck_assert(has_error(e, "flow.yaml:", "unknown action 'fax_address'"));
	config_errors_free(e);
}
END_TEST

static Suite *
flow_suite(void)
{
	Suite	*s = suite_create("flow");
	TCase	*tc = tcase_create("flow");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_shipped_flow_loads);
	tcase_add_test(tc, test_match_keys_and_speech);
	tcase_add_test(tc, test_normalise_and_digits);
	tcase_add_test(tc, test_guide_items);
	tcase_add_test(tc, test_unknown_node_reference);
	tcase_add_test(tc, test_key_used_twice);
	tcase_add_test(tc, test_missing_prompt);
	tcase_add_test(tc, test_bad_pattern);
	tcase_add_test(tc, test_unreachable_node);
	tcase_add_test(tc, test_unknown_type_and_action);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	log_init(LOG_ERROR);
	find_srcdir();
	sr = srunner_create(flow_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
