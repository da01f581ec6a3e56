/*
 * test_keyword.c -- SMS text normalisation, compliance words, content
 * keywords against the shipped config/sms.yaml, reply templates, message
 * packing, a guide's text, and sms.yaml's file:line errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "config.h"
#include "keyword.h"
#include "reply.h"
#include "segment.h"
#include "shipped.h"

static struct config	*cfg;

static void
load_shipped(void)
{
	cfg = shipped_config();
	ck_assert_ptr_nonnull(cfg);
	ck_assert_ptr_nonnull(cfg->sms);
}

static void
unload(void)
{
	config_unref(cfg);
	cfg = NULL;
}

static void
assert_norm(const char *in, const char *want)
{
	char	*got = keyword_normalise(in);

	ck_assert_msg(strcmp(got, want) == 0, "normalise(\"%s\") = \"%s\", "
	    "want \"%s\"", in, got, want);
	free(got);
}

static enum kw_compliance
comp(const char *text, int *es)
{
	char			*n = keyword_normalise(text);
	enum kw_compliance	 k;

	k = keyword_compliance(cfg->sms, n, es);
	free(n);
	return (k);
}

static const char *
kw(const char *text)
{
	const struct keyword	*k;
	char			*n = keyword_normalise(text);

	k = keyword_match(cfg->sms, n);
	free(n);
	return (k != NULL ? k->id : NULL);
}

START_TEST(test_normalise)
{
	assert_norm("STOP", "stop");
	assert_norm("  Stop.  ", "stop");
	assert_norm("Stop!!!", "stop");
	assert_norm("S T O P", "s t o p");
	assert_norm("NO MÁS", "no mas");
	assert_norm("Información", "informacion");
	assert_norm("¡Ayuda!", "ayuda");
	assert_norm("¿Dónde están?", "donde estan");
	assert_norm("caída", "caida");
	assert_norm("Ñandú ÜBER", "nandu uber");
	assert_norm("can't feel", "cant feel");
	assert_norm("can\xe2\x80\x99t feel", "cant feel");	/* curly apostrophe */
	assert_norm("e\xcc\x81xito", "exito");	/* decomposed accent */
	assert_norm("\xef\xbc\xb3\xef\xbc\xb4\xef\xbc\xaf\xef\xbc\xb0", "stop");
	assert_norm("bladder,bowel", "bladder bowel");
	assert_norm("opt-out", "opt out");
	assert_norm("stop\xff", "stop");	/* invalid UTF-8 dropped */
	assert_norm("a\t\n  b", "a b");
	assert_norm("", "");
	assert_norm("...", "");
}
END_TEST

START_TEST(test_compliance_optout)
{
	static const char *words[] = { "STOP", "STOPALL", "STOP ALL",
		"UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
		"OPT-OUT", "opt out", "REMOVE", "ARRET", "Arrêt", "stop.",
		" Stop ", "S T O P", "sToP!", "ALTO", "parar", "Cancelar",
		"No más", NULL };
	int	es;
	size_t	i;

	for (i = 0; words[i] != NULL; i++)
		ck_assert_msg(comp(words[i], NULL) == KW_OPTOUT,
		    "'%s' is not an opt-out", words[i]);
	ck_assert_int_eq(comp("ALTO", &es), KW_OPTOUT);
	ck_assert_int_eq(es, 1);
	ck_assert_int_eq(comp("STOP", &es), KW_OPTOUT);
	ck_assert_int_eq(es, 0);
}
END_TEST

START_TEST(test_compliance_alone)
{
	/* Only the keyword alone is a compliance word (sentences: intent). */
	ck_assert_int_eq(comp("stop sending me stretches", NULL), KW_NONE);
	ck_assert_int_eq(comp("please stop", NULL), KW_NONE);
	ck_assert_int_eq(comp("help me with my back", NULL), KW_NONE);
	ck_assert_int_eq(comp("stopped", NULL), KW_NONE);
	ck_assert_int_eq(comp("", NULL), KW_NONE);
	ck_assert_int_eq(comp("!!!", NULL), KW_NONE);
}
END_TEST

static enum kw_intent
intent(const char *text, int prefer, int *lang)
{
	char		*n = keyword_normalise(text);
	enum kw_intent	 k;

	k = keyword_optout_intent(cfg->sms, n, prefer, lang);
	free(n);
	return (k);
}

/* Real replies asking us to stop, as people write them (FCC 24-24). */
static const struct {
	const char	*text;
	const char	*lang;
} intent_optouts[] = {
	{ "Stop texting me", "en" }, { "STOP IT", "en" },
	{ "please stop", "en" }, { "Unsubscribe me", "en" },
	{ "no more texts", "en" }, { "remove me", "en" },
	{ "stop sending me stretches", "en" }, { "Stop please!", "en" },
	{ "stop now", "en" }, { "STOP ALL MESSAGES", "en" },
	{ "Please unsubscribe me from this list.", "en" },
	{ "take me off your list", "en" },
	{ "Take me off the list please", "en" },
	{ "don't text me", "en" }, { "Do not text me again", "en" },
	{ "dont send me any more messages", "en" },
	{ "leave me alone", "en" }, { "Wrong number", "en" },
	{ "I want to opt out", "en" }, { "opt me out", "en" },
	{ "I'd like to unsubscribe please", "en" },
	{ "cancel all texts", "en" }, { "I quit", "en" },
	{ "end these messages", "en" }, { "I revoke my consent", "en" },
	{ "stop stop stop", "en" },
	{ "STOP!!! \xf0\x9f\x98\xa1", "en" },	/* angry face */
	{ "Please remove my number", "en" },
	{ "no more messages please", "en" }, { "stop the tips", "en" },
	{ "Can you please stop texting me", "en" },
	{ "not interested", "en" }, { "lose my number", "en" },
	{ "unsubscribe pls", "en" }, { "Stop texting me, thanks", "en" },
	{ "\xef\xbc\xb3\xef\xbc\xb4\xef\xbc\xaf\xef\xbc\xb0 please", "en" },
	{ "Stop sending texts to me right now", "en" },
	{ "no me envíen más mensajes", "es" },
	{ "ya no quiero mensajes", "es" }, { "bórrenme", "es" },
	{ "Quiero darme de baja por favor", "es" },
	{ "por favor ya no me manden mensajes", "es" },
	{ "alto por favor", "es" }, { "basta ya", "es" },
	{ "cancelar los mensajes", "es" },
	{ "Sáquenme de la lista", "es" },
	{ "no me escriban más", "es" },
	{ "Dejen de enviarme mensajes", "es" },
	{ "No quiero recibir más mensajes, gracias", "es" },
	{ "bórrame de la lista", "es" }, { "FIN", "es" },
	{ "stop por favor", "es" },
	{ "no más estiramientos por favor", "es" },
	{ NULL, NULL }
};

/* The same words about something else: answered, not an opt-out. */
static const struct {
	const char	*text;
	const char	*lang;		/* of the stop word in it */
} intent_lookalikes[] = {
	{ "how do I stop my back hurting after a run", "en" },
	{ "when does the clinic end its day", "en" },
	{ "can I cancel my appointment", "en" },
	{ "my pain won't stop", "en" },
	{ "what stretches help me stop the pain", "en" },
	{ "does the pain end if I keep running", "en" },
	{ "I quit running because of my back", "en" },
	{ "should I stop running", "en" },
	{ "the end of my spine hurts", "en" },
	{ "stop stretching if it hurts?", "en" },
	{ "tips to stop back pain", "en" },
	{ "I want it to stop", "en" },
	{ "cancel my callback", "en" },
	{ "I can't stop the pain", "en" },
	{ "stop by the clinic tomorrow?", "en" },
	{ "don't stop texting me", "en" },
	{ "I want to end it all", "en" },
	{ "end it", "en" },
	{ "¿Cómo puedo parar el dolor de espalda?", "es" },
	{ "¿Puedo cancelar mi cita?", "es" },
	{ "¿Abren el fin de semana?", "es" },
	{ "quiero parar de correr por el dolor", "es" },
	{ "necesito cancelar mi cita del lunes", "es" },
	{ "basta de dolor, ¿qué hago?", "es" },
	{ "me duele la espalda baja", "es" },
	{ NULL, NULL }
};

START_TEST(test_intent_optouts)
{
	size_t	i;
	int	lang;

	for (i = 0; intent_optouts[i].text != NULL; i++) {
		ck_assert_msg(intent(intent_optouts[i].text, 0, &lang) ==
		    KW_INTENT_OPTOUT, "'%s' is not an opt-out",
		    intent_optouts[i].text);
		ck_assert_msg(lang == config_lang(cfg, intent_optouts[i].lang),
		    "'%s': language %d", intent_optouts[i].text, lang);
	}
	ck_assert_uint_ge(i, 25);
}
END_TEST

START_TEST(test_intent_lookalikes)
{
	size_t	i;
	int	lang;

	for (i = 0; intent_lookalikes[i].text != NULL; i++) {
		ck_assert_msg(intent(intent_lookalikes[i].text, 0, &lang) ==
		    KW_INTENT_MENTION, "'%s' is not a mention",
		    intent_lookalikes[i].text);
		ck_assert_msg(lang == config_lang(cfg,
		    intent_lookalikes[i].lang), "'%s': language %d",
		    intent_lookalikes[i].text, lang);
	}
	ck_assert_uint_ge(i, 15);
	/* No stop word at all. */
	ck_assert_int_eq(intent("hello there", 0, &lang), KW_INTENT_NONE);
	ck_assert_int_eq(lang, -1);
	ck_assert_int_eq(intent("stretches please", 0, NULL), KW_INTENT_NONE);
	ck_assert_int_eq(intent("please", 0, NULL), KW_INTENT_NONE);
	ck_assert_int_eq(intent("", 0, NULL), KW_INTENT_NONE);
}
END_TEST

START_TEST(test_intent_language)
{
	int	es = config_lang(cfg, "es"), lang;

	/* "stop" is on both lists: the number's language wins. */
	ck_assert_int_eq(intent("stop", es, &lang), KW_INTENT_OPTOUT);
	ck_assert_int_eq(lang, es);
	ck_assert_int_eq(intent("stop", 0, &lang), KW_INTENT_OPTOUT);
	ck_assert_int_eq(lang, 0);
	/* Words of one language only take it, whoever asks. */
	ck_assert_int_eq(intent("stop please", es, &lang), KW_INTENT_OPTOUT);
	ck_assert_int_eq(lang, 0);
	/* A mix of both is still an opt-out. */
	ck_assert_int_eq(intent("unsubscribe me por favor", 0, &lang),
	    KW_INTENT_OPTOUT);
	ck_assert_int_eq(lang, 0);
	/* Fillers and topics alone are not: a stop word is needed. */
	ck_assert_int_eq(intent("please me texting now", 0, NULL),
	    KW_INTENT_NONE);
	/* Topics come after the stop word, never before. */
	ck_assert_int_eq(intent("stretches stop", 0, NULL), KW_INTENT_MENTION);
}
END_TEST

START_TEST(test_intent_long)
{
	char	text[1024];
	size_t	i;

	/* A long run of fillers is read for a mention only. */
	strcpy(text, "stop");
	for (i = 0; i < 60; i++)
		strcat(text, " please");
	ck_assert_int_eq(intent(text, 0, NULL), KW_INTENT_MENTION);
	strcpy(text, "stop");
	for (i = 0; i < 40; i++)
		strcat(text, " please");
	ck_assert_int_eq(intent(text, 0, NULL), KW_INTENT_OPTOUT);
}
END_TEST

START_TEST(test_compliance_in_help)
{
	int	es;

	ck_assert_int_eq(comp("START", NULL), KW_OPTIN);
	ck_assert_int_eq(comp("yes", NULL), KW_OPTIN);
	ck_assert_int_eq(comp("Unstop", NULL), KW_OPTIN);
	ck_assert_int_eq(comp("Sí", &es), KW_OPTIN);
	ck_assert_int_eq(es, 1);
	ck_assert_int_eq(comp("comenzar", &es), KW_OPTIN);
	ck_assert_int_eq(es, 1);
	ck_assert_int_eq(comp("HELP", &es), KW_HELP);
	ck_assert_int_eq(es, 0);
	ck_assert_int_eq(comp("info?", NULL), KW_HELP);
	ck_assert_int_eq(comp("AYUDA", &es), KW_HELP);
	ck_assert_int_eq(es, 1);
	ck_assert_int_eq(comp("información", NULL), KW_HELP);
}
END_TEST

START_TEST(test_keywords)
{
	static const struct {
		const char	*text;
		const char	*id;
	} cases[] = {
		{ "STRETCH", "stretch" }, { "stretches", "stretch" },
		{ "Strech", "stretch" }, { "streching", "stretch" },
		{ "stretch please", "stretch" }, { "TIPS", "tips" },
		{ "tip", "tips" }, { "Prevent", "tips" },
		{ "RECOVER", "recover" }, { "recovery", "recover" },
		{ "CLINIC", "clinic" }, { "clinics", "clinic" },
		{ "LOCATIONS", "clinic" }, { "HOURS", "hours" },
		{ "CALLBACK", "callback" }, { "call back", "callback" },
		{ "call me", "callback" }, { "76102", "zip" },
		{ " 75040 ", "zip" }, { "ESTIRAR", "estirar" },
		{ "estiramientos", "estirar" }, { "consejos", "consejos" },
		{ "recuperación", "recuperar" }, { "Clínica", "clinica" },
		{ "horario", "horario" }, { "llámame", "llamame" },
		{ "Español", "spanish" }, { "english", "english" },
		{ NULL, NULL }
	};
	size_t	i;
	const char *got;

	for (i = 0; cases[i].text != NULL; i++) {
		got = kw(cases[i].text);
		ck_assert_msg(got != NULL && strcmp(got, cases[i].id) == 0,
		    "'%s' matched %s, want %s", cases[i].text,
		    got != NULL ? got : "nothing", cases[i].id);
	}
	ck_assert_ptr_null(kw("hello"));
	ck_assert_ptr_null(kw("prestretch"));
	ck_assert_ptr_null(kw("761020"));
	ck_assert_ptr_null(kw("7610"));
	ck_assert_ptr_null(kw("I need tips"));	/* first word only */
	ck_assert_ptr_null(kw(""));
}
END_TEST

START_TEST(test_keyword_languages)
{
	const struct keyword	*k;
	char			*n;

	n = keyword_normalise("estirar");
	k = keyword_match(cfg->sms, n);
	free(n);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->lang, config_lang(cfg, "es"));
	ck_assert_int_eq(k->action, KW_GUIDE);
	ck_assert_ptr_nonnull(k->guide);
	n = keyword_normalise("76102");
	k = keyword_match(cfg->sms, n);
	free(n);
	ck_assert_int_eq(k->lang, -1);
	ck_assert_int_eq(k->action, KW_ZIP);
}
END_TEST

START_TEST(test_fill)
{
	const char	*vars[] = { "position", "3", "wait", "20 minutes",
			    "name", "A & B <x>", NULL };
	char		*s;

	s = keyword_fill("You are number {position}; {wait}. {name} {nope} {"
	    "} {position", vars);
	ck_assert_str_eq(s, "You are number 3; 20 minutes. A & B <x> {nope} "
	    "{} {position");
	free(s);
	s = keyword_fill("{position}{position}", vars);
	ck_assert_str_eq(s, "33");
	free(s);
	s = keyword_fill("plain", NULL);
	ck_assert_str_eq(s, "plain");
	free(s);
}
END_TEST

START_TEST(test_pack)
{
	const char	*paras[] = { "aaaa bbbb", "cccc", "dddd eeee ffff gggg "
			    "hhhh iiii", "jj" };
	char		**v;
	size_t		 n, i;

	v = keyword_pack(paras, 4, 20, &n);
	ck_assert_uint_ge(n, 3);
	for (i = 0; i < n; i++)
		ck_assert_uint_le(strlen(v[i]), 20);
	ck_assert_str_eq(v[0], "aaaa bbbb\ncccc");
	ck_assert_ptr_null(v[n]);
	keyword_texts_free(v);

	v = keyword_pack(paras, 0, 20, &n);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(v[0]);
	keyword_texts_free(v);
}
END_TEST

START_TEST(test_message)
{
	const char	*en, *es;

	en = smscfg_message(cfg, "help", 0);
	es = smscfg_message(cfg, "help", config_lang(cfg, "es"));
	ck_assert_ptr_nonnull(en);
	ck_assert_ptr_nonnull(es);
	ck_assert_ptr_nonnull(strstr(en, "STOP"));
	ck_assert_ptr_nonnull(strstr(en, "911"));
	ck_assert_ptr_nonnull(strstr(es, "911"));
	ck_assert_ptr_null(smscfg_message(cfg, "no_such_message", 0));
}
END_TEST

/*
 * Every reply the service can send -- each keyword's, compliance, the
 * fallback, every guide's text, a week of opening hours and more -- in
 * every language fits one message of the segments allowed.
 */
START_TEST(test_every_reply_fits)
{
	FILE	*f = tmpfile();
	char	 line[1024];
	int	 n;

	ck_assert_ptr_nonnull(f);
	n = reply_check(cfg, f);
	rewind(f);
	while (fgets(line, sizeof line, f) != NULL)
		fprintf(stderr, "%s", line);
	fclose(f);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_guide_texts)
{
	struct guide	*g;
	struct segment_count c;
	char		*t, *link;
	int		 lang;

	for (lang = 0; lang < (int)cfg->nlangs; lang++) {
		g = config_guide(cfg, "stretches");
		ck_assert_ptr_nonnull(g);
		/* One message: the summary, the page's link, the footer. */
		t = reply_guide(cfg, g, lang);
		ck_assert_ptr_nonnull(strstr(t, i18n_get(&g->summary, lang)));
		link = reply_guide_link(cfg, g, lang);
		ck_assert_ptr_nonnull(strstr(t, link));
		ck_assert_ptr_nonnull(strstr(link, "/g/stretches"));
		ck_assert_int_eq(strstr(link, "?lang=es") != NULL,
		    strcmp(cfg->langs[lang], "es") == 0);
		ck_assert_ptr_nonnull(strstr(t,
		    smscfg_message(cfg, "guide_footer", lang)));
		/* Not the steps: those are on the page. */
		ck_assert_ptr_null(strstr(t,
		    config_prompt(cfg, "stretch_piriformis_6")->text[lang]));
		ck_assert_int_eq(segment_count(t, &c), 0);
		ck_assert_uint_le(c.segments, segment_limit(&c,
		    cfg->langs[lang]));
		free(link);
		free(t);
	}
}
END_TEST

/* A config dir whose sms.yaml is text; the rest point at the shipped files. */
static char **
load_with_sms(const char *sms)
{
	char	 dir[] = "/tmp/test-keyword-XXXXXX", path[4400], **errors = NULL;
	FILE	*f;
	struct config *c;
	static const char *parts[] = { "locations", "guides", "safety", "flow",
		NULL };
	size_t	 i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/sms.yaml", dir);
	f = fopen(path, "w");
	fputs(sms, f);
	fclose(f);
	snprintf(path, sizeof path, "%s/hotline.yaml", dir);
	f = fopen(path, "w");
	fprintf(f, "service:\n  listen: \"127.0.0.1:0\"\n"
	    "  public_url: \"http://127.0.0.1\"\n  store: \"sqlite:x.db\"\n"
	    "provider:\n  sms_from: \"+18175550100\"\n"
	    "voice:\n  front_desk: \"+18175550100\"\n  prompts: %s/prompts\n"
	    "  languages:\n    - code: en\n      voice: a\n      say_language: en-US\n"
	    "    - code: es\n      voice: b\n      say_language: es-US\n"
	    "files:\n  sms: sms.yaml\n  zips: %s/config/tx-zips.csv\n",
	    shipped_top, shipped_top);
	for (i = 0; parts[i] != NULL; i++)
		fprintf(f, "  %s: %s/config/%s.yaml\n", parts[i], shipped_top,
		    parts[i]);
	fclose(f);
	c = config_load(path, &errors);
	if (c != NULL)
		config_unref(c);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return (errors);
}

static int
has_error(char **errors, const char *line, const char *text)
{
	size_t	i;

	for (i = 0; errors != NULL && errors[i] != NULL; i++) {
		if (strstr(errors[i], "sms.yaml") != NULL &&
		    strstr(errors[i], line) != NULL &&
		    strstr(errors[i], text) != NULL)
			return (1);
	}
	return (0);
}

#define SMS_OK_COMPLIANCE \
	"compliance:\n" \
	"  opt_out: [STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, ALTO]\n" \
	"  opt_in: [START, YES, UNSTOP]\n" \
	"  help: [HELP, INFO]\n"

START_TEST(test_load_errors)
{
	char	**errors;

	errors = load_with_sms(SMS_OK_COMPLIANCE
	    "keywords:\n"
	    "  - id: a\n"
	    "    language: en\n"
	    "    match: '^(stretch'\n"
	    "    guide: stretches\n"
	    "  - id: b\n"
	    "    language: en\n"
	    "    match: '^tips\\b'\n"
	    "    guide: no_such_guide\n"
	    "  - id: c\n"
	    "    language: xx\n"
	    "    match: '^c\\b'\n"
	    "    action: teleport\n"
	    "messages:\n"
	    "  help:\n"
	    "    en: \"Help {front_desk} {bogus}\"\n");
	ck_assert_ptr_nonnull(errors);
	ck_assert_msg(has_error(errors, ":8:", "does not compile"),
	    "bad pattern not reported at line 8");
	ck_assert_msg(has_error(errors, ":13:", "unknown guide 'no_such_guide'"),
	    "unknown guide not reported at line 13");
	ck_assert(has_error(errors, ":15:", "language 'xx'"));
	ck_assert(has_error(errors, ":17:", "unknown action 'teleport'"));
	ck_assert(has_error(errors, ":", "'help' has no 'es' text"));
	ck_assert(has_error(errors, ":", "unknown placeholder {bogus}"));
	ck_assert(has_error(errors, ":", "missing 'opted_out'"));
	config_errors_free(errors);
}
END_TEST

START_TEST(test_load_compliance_errors)
{
	char	**errors;

	errors = load_with_sms(
	    "compliance:\n"
	    "  opt_out: [STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT]\n"
	    "  opt_in: [START, YES, UNSTOP, CANCEL]\n"
	    "  help: [HELP, INFO]\n"
	    "  spanish: [ALTO]\n"
	    "keywords: []\n"
	    "messages: {}\n");
	ck_assert_ptr_nonnull(errors);
	ck_assert(has_error(errors, ":2:", "must include 'stop'"));
	ck_assert(has_error(errors, ":", "'cancel' is on two lists"));
	ck_assert(has_error(errors, ":5:", "spanish word 'alto' is on no list"));
	config_errors_free(errors);
}
END_TEST

START_TEST(test_load_intent_errors)
{
	char	**errors;

	errors = load_with_sms(SMS_OK_COMPLIANCE
	    "opt_out_intent:\n"
	    "  en:\n"
	    "    words: [stop, quit, end, cancel, unsubscribe, opt out]\n"
	    "    phrases: [\"take me off\", \"a b c d e f g h i\"]\n"
	    "    fillers: [please, me, stop, \"Yes\"]\n"
	    "    topics: tips\n"
	    "  xx:\n"
	    "    words: [stop]\n"
	    "    fillers: [please]\n"
	    "keywords: []\n"
	    "messages: {}\n");
	ck_assert_ptr_nonnull(errors);
	ck_assert_msg(has_error(errors, ":8:", "'a b c d e f g h i' is too long"),
	    "a long phrase not reported at line 8");
	ck_assert(has_error(errors, ":9:", "en 'fillers' entry 'stop' is also "
	    "a stop word or phrase"));
	ck_assert(has_error(errors, ":9:", "entry 'yes' is also an opt-in word"));
	ck_assert(has_error(errors, ":10:", "en 'topics' must be a list"));
	ck_assert(has_error(errors, ":11:", "language 'xx' is not configured"));
	ck_assert(has_error(errors, ":", "opt_out_intent: missing 'es'"));
	ck_assert(has_error(errors, ":", "must include 'revoke' (FCC 24-24"));
	ck_assert(has_error(errors, ":", "missing 'optout_hint'"));
	config_errors_free(errors);

	errors = load_with_sms(SMS_OK_COMPLIANCE "keywords: []\nmessages: {}\n");
	ck_assert(has_error(errors, ":1:", "missing 'opt_out_intent'"));
	config_errors_free(errors);
}
END_TEST

static Suite *
keyword_suite(void)
{
	Suite	*s = suite_create("keyword");
	TCase	*tc;

	tc = tcase_create("normalise");
	tcase_add_test(tc, test_normalise);
	tcase_add_test(tc, test_fill);
	tcase_add_test(tc, test_pack);
	suite_add_tcase(s, tc);

	tc = tcase_create("shipped");
	tcase_add_checked_fixture(tc, load_shipped, unload);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_compliance_optout);
	tcase_add_test(tc, test_compliance_alone);
	tcase_add_test(tc, test_intent_optouts);
	tcase_add_test(tc, test_intent_lookalikes);
	tcase_add_test(tc, test_intent_language);
	tcase_add_test(tc, test_intent_long);
	tcase_add_test(tc, test_compliance_in_help);
	tcase_add_test(tc, test_keywords);
	tcase_add_test(tc, test_keyword_languages);
	tcase_add_test(tc, test_message);
	tcase_add_test(tc, test_guide_texts);
	tcase_add_test(tc, test_every_reply_fits);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_load_errors);
	tcase_add_test(tc, test_load_compliance_errors);
	tcase_add_test(tc, test_load_intent_errors);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (shipped_run(keyword_suite()));
}
