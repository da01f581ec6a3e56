/*
 * quiet.c -- quiet hours (see quiet.h) and the NANP area-code zone table.
 *
 * The table maps each geographic US and Canadian area code in service to
 * one IANA zone.  Where an area code spans two zones it gets the zone of
 * most of the people it serves, noted beside the code: a text to the smaller
 * side can then arrive an hour early or late, still never in the middle of
 * the night, since 21:00-08:00 leaves an hour's margin either way.
 * Non-geographic codes (toll free, 500, 700, 900) and the other NANP
 * countries are not listed: they fall back to the clinic's zone.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "quiet.h"
#include "util.h"

#define Z_ET	"America/New_York"
#define Z_CT	"America/Chicago"
#define Z_MT	"America/Denver"
#define Z_PT	"America/Los_Angeles"
#define Z_AZ	"America/Phoenix"		/* no daylight saving */
#define Z_IN	"America/Indiana/Indianapolis"
#define Z_MI	"America/Detroit"
#define Z_ID	"America/Boise"
#define Z_AK	"America/Anchorage"
#define Z_HI	"Pacific/Honolulu"

struct quiet_area {
	short		 code;
	const char	*zone;
};

static const struct quiet_area quiet_areas[] = {
	/* Alabama */
	{ 205, Z_CT }, { 251, Z_CT }, { 256, Z_CT }, { 334, Z_CT },
	{ 659, Z_CT }, { 938, Z_CT },
	/* Alaska */
	{ 907, Z_AK },
	/* Arizona (the Navajo Nation's daylight saving is the minority) */
	{ 480, Z_AZ }, { 520, Z_AZ }, { 602, Z_AZ }, { 623, Z_AZ },
	{ 928, Z_AZ },
	/* Arkansas */
	{ 327, Z_CT }, { 479, Z_CT }, { 501, Z_CT }, { 870, Z_CT },
	/* California */
	{ 209, Z_PT }, { 213, Z_PT }, { 279, Z_PT }, { 310, Z_PT },
	{ 323, Z_PT }, { 341, Z_PT }, { 350, Z_PT }, { 408, Z_PT },
	{ 415, Z_PT }, { 424, Z_PT }, { 442, Z_PT }, { 510, Z_PT },
	{ 530, Z_PT }, { 559, Z_PT }, { 562, Z_PT }, { 619, Z_PT },
	{ 626, Z_PT }, { 628, Z_PT }, { 650, Z_PT }, { 657, Z_PT },
	{ 661, Z_PT }, { 669, Z_PT }, { 707, Z_PT }, { 714, Z_PT },
	{ 747, Z_PT }, { 760, Z_PT }, { 805, Z_PT }, { 818, Z_PT },
	{ 820, Z_PT }, { 831, Z_PT }, { 840, Z_PT }, { 858, Z_PT },
	{ 909, Z_PT }, { 916, Z_PT }, { 925, Z_PT }, { 949, Z_PT },
	{ 951, Z_PT },
	/* Colorado */
	{ 303, Z_MT }, { 719, Z_MT }, { 720, Z_MT }, { 970, Z_MT },
	{ 983, Z_MT },
	/* Connecticut */
	{ 203, Z_ET }, { 475, Z_ET }, { 860, Z_ET }, { 959, Z_ET },
	/* Delaware, District of Columbia */
	{ 302, Z_ET }, { 202, Z_ET }, { 771, Z_ET },
	/* Florida; 850 and 448: Pensacola, Fort Walton and Panama City
	 * (Central) outnumber Tallahassee (Eastern) */
	{ 239, Z_ET }, { 305, Z_ET }, { 321, Z_ET }, { 352, Z_ET },
	{ 386, Z_ET }, { 407, Z_ET }, { 561, Z_ET }, { 645, Z_ET },
	{ 656, Z_ET }, { 689, Z_ET }, { 727, Z_ET }, { 728, Z_ET },
	{ 754, Z_ET }, { 772, Z_ET }, { 786, Z_ET }, { 813, Z_ET },
	{ 863, Z_ET }, { 904, Z_ET }, { 941, Z_ET }, { 954, Z_ET },
	{ 448, Z_CT }, { 850, Z_CT },
	/* Georgia */
	{ 229, Z_ET }, { 404, Z_ET }, { 470, Z_ET }, { 478, Z_ET },
	{ 678, Z_ET }, { 706, Z_ET }, { 762, Z_ET }, { 770, Z_ET },
	{ 912, Z_ET }, { 943, Z_ET },
	/* Hawaii */
	{ 808, Z_HI },
	/* Idaho: Boise and the south (Mountain) outnumber the panhandle */
	{ 208, Z_ID }, { 986, Z_ID },
	/* Illinois */
	{ 217, Z_CT }, { 224, Z_CT }, { 309, Z_CT }, { 312, Z_CT },
	{ 331, Z_CT }, { 447, Z_CT }, { 464, Z_CT }, { 618, Z_CT },
	{ 630, Z_CT }, { 708, Z_CT }, { 730, Z_CT }, { 773, Z_CT },
	{ 779, Z_CT }, { 815, Z_CT }, { 847, Z_CT }, { 861, Z_CT },
	{ 872, Z_CT },
	/* Indiana: 219 is the Chicago side; 812 and 930: Bloomington,
	 * Columbus, Terre Haute and the Louisville side (Eastern) outnumber
	 * Evansville (Central) */
	{ 219, Z_CT }, { 260, Z_IN }, { 317, Z_IN }, { 463, Z_IN },
	{ 574, Z_IN }, { 765, Z_IN }, { 812, Z_IN }, { 930, Z_IN },
	/* Iowa */
	{ 319, Z_CT }, { 515, Z_CT }, { 563, Z_CT }, { 641, Z_CT },
	{ 712, Z_CT },
	/* Kansas: a few western counties keep Mountain time */
	{ 316, Z_CT }, { 620, Z_CT }, { 785, Z_CT }, { 913, Z_CT },
	/* Kentucky: 270 and 364, the west, mostly Central */
	{ 270, Z_CT }, { 364, Z_CT }, { 502, Z_ET }, { 606, Z_ET },
	{ 859, Z_ET },
	/* Louisiana */
	{ 225, Z_CT }, { 318, Z_CT }, { 337, Z_CT }, { 504, Z_CT },
	{ 985, Z_CT },
	/* Maine */
	{ 207, Z_ET },
	/* Maryland */
	{ 227, Z_ET }, { 240, Z_ET }, { 301, Z_ET }, { 410, Z_ET },
	{ 443, Z_ET }, { 667, Z_ET },
	/* Massachusetts */
	{ 339, Z_ET }, { 351, Z_ET }, { 413, Z_ET }, { 508, Z_ET },
	{ 617, Z_ET }, { 774, Z_ET }, { 781, Z_ET }, { 857, Z_ET },
	{ 978, Z_ET },
	/* Michigan: 906, the Upper Peninsula, mostly Eastern */
	{ 231, Z_MI }, { 248, Z_MI }, { 269, Z_MI }, { 313, Z_MI },
	{ 517, Z_MI }, { 586, Z_MI }, { 616, Z_MI }, { 679, Z_MI },
	{ 734, Z_MI }, { 810, Z_MI }, { 906, Z_MI }, { 947, Z_MI },
	{ 989, Z_MI },
	/* Minnesota */
	{ 218, Z_CT }, { 320, Z_CT }, { 507, Z_CT }, { 612, Z_CT },
	{ 651, Z_CT }, { 763, Z_CT }, { 924, Z_CT }, { 952, Z_CT },
	/* Mississippi */
	{ 228, Z_CT }, { 601, Z_CT }, { 662, Z_CT }, { 769, Z_CT },
	/* Missouri */
	{ 314, Z_CT }, { 417, Z_CT }, { 557, Z_CT }, { 573, Z_CT },
	{ 636, Z_CT }, { 660, Z_CT }, { 816, Z_CT }, { 975, Z_CT },
	/* Montana */
	{ 406, Z_MT },
	/* Nebraska: 308, Grand Island, Kearney and North Platte (Central)
	 * outnumber the Panhandle */
	{ 308, Z_CT }, { 402, Z_CT }, { 531, Z_CT },
	/* Nevada */
	{ 702, Z_PT }, { 725, Z_PT }, { 775, Z_PT },
	/* New Hampshire */
	{ 603, Z_ET },
	/* New Jersey */
	{ 201, Z_ET }, { 551, Z_ET }, { 609, Z_ET }, { 640, Z_ET },
	{ 732, Z_ET }, { 848, Z_ET }, { 856, Z_ET }, { 862, Z_ET },
	{ 908, Z_ET }, { 973, Z_ET },
	/* New Mexico */
	{ 505, Z_MT }, { 575, Z_MT },
	/* New York */
	{ 212, Z_ET }, { 315, Z_ET }, { 329, Z_ET }, { 332, Z_ET },
	{ 347, Z_ET }, { 363, Z_ET }, { 516, Z_ET }, { 518, Z_ET },
	{ 585, Z_ET }, { 607, Z_ET }, { 624, Z_ET }, { 631, Z_ET },
	{ 646, Z_ET }, { 680, Z_ET }, { 716, Z_ET }, { 718, Z_ET },
	{ 838, Z_ET }, { 845, Z_ET }, { 914, Z_ET }, { 917, Z_ET },
	{ 929, Z_ET }, { 934, Z_ET },
	/* North Carolina */
	{ 252, Z_ET }, { 336, Z_ET }, { 472, Z_ET }, { 704, Z_ET },
	{ 743, Z_ET }, { 828, Z_ET }, { 910, Z_ET }, { 919, Z_ET },
	{ 980, Z_ET }, { 984, Z_ET },
	/* North Dakota: the southwest keeps Mountain time */
	{ 701, Z_CT },
	/* Ohio */
	{ 216, Z_ET }, { 220, Z_ET }, { 234, Z_ET }, { 283, Z_ET },
	{ 326, Z_ET }, { 330, Z_ET }, { 380, Z_ET }, { 419, Z_ET },
	{ 436, Z_ET }, { 440, Z_ET }, { 513, Z_ET }, { 567, Z_ET },
	{ 614, Z_ET }, { 740, Z_ET }, { 937, Z_ET },
	/* Oklahoma */
	{ 405, Z_CT }, { 539, Z_CT }, { 572, Z_CT }, { 580, Z_CT },
	{ 918, Z_CT },
	/* Oregon: 541, all but Malheur County (Mountain) */
	{ 458, Z_PT }, { 503, Z_PT }, { 541, Z_PT }, { 971, Z_PT },
	/* Pennsylvania */
	{ 215, Z_ET }, { 223, Z_ET }, { 267, Z_ET }, { 272, Z_ET },
	{ 412, Z_ET }, { 445, Z_ET }, { 484, Z_ET }, { 570, Z_ET },
	{ 582, Z_ET }, { 610, Z_ET }, { 717, Z_ET }, { 724, Z_ET },
	{ 814, Z_ET }, { 835, Z_ET }, { 878, Z_ET },
	/* Rhode Island */
	{ 401, Z_ET },
	/* South Carolina */
	{ 803, Z_ET }, { 821, Z_ET }, { 839, Z_ET }, { 843, Z_ET },
	{ 854, Z_ET }, { 864, Z_ET },
	/* South Dakota: Sioux Falls and the east (Central) outnumber
	 * Rapid City and the west */
	{ 605, Z_CT },
	/* Tennessee: 423 and 865 are the east; 931 mostly Central */
	{ 423, Z_ET }, { 615, Z_CT }, { 629, Z_CT }, { 731, Z_CT },
	{ 865, Z_ET }, { 901, Z_CT }, { 931, Z_CT },
	/* Texas: 915 is El Paso (Mountain) */
	{ 210, Z_CT }, { 214, Z_CT }, { 254, Z_CT }, { 281, Z_CT },
	{ 325, Z_CT }, { 346, Z_CT }, { 361, Z_CT }, { 409, Z_CT },
	{ 430, Z_CT }, { 432, Z_CT }, { 469, Z_CT }, { 512, Z_CT },
	{ 682, Z_CT }, { 713, Z_CT }, { 726, Z_CT }, { 737, Z_CT },
	{ 806, Z_CT }, { 817, Z_CT }, { 830, Z_CT }, { 832, Z_CT },
	{ 903, Z_CT }, { 915, Z_MT }, { 936, Z_CT }, { 940, Z_CT },
	{ 945, Z_CT }, { 956, Z_CT }, { 972, Z_CT }, { 979, Z_CT },
	/* Utah */
	{ 385, Z_MT }, { 435, Z_MT }, { 801, Z_MT },
	/* Vermont */
	{ 802, Z_ET },
	/* Virginia */
	{ 276, Z_ET }, { 434, Z_ET }, { 540, Z_ET }, { 571, Z_ET },
	{ 686, Z_ET }, { 703, Z_ET }, { 757, Z_ET }, { 804, Z_ET },
	{ 826, Z_ET }, { 948, Z_ET },
	/* Washington */
	{ 206, Z_PT }, { 253, Z_PT }, { 360, Z_PT }, { 425, Z_PT },
	{ 509, Z_PT }, { 564, Z_PT },
	/* West Virginia */
	{ 304, Z_ET }, { 681, Z_ET },
	/* Wisconsin */
	{ 262, Z_CT }, { 274, Z_CT }, { 353, Z_CT }, { 414, Z_CT },
	{ 534, Z_CT }, { 608, Z_CT }, { 715, Z_CT }, { 920, Z_CT },
	/* Wyoming */
	{ 307, Z_MT },
	/* US territories */
	{ 340, "America/St_Thomas" }, { 670, "Pacific/Saipan" },
	{ 671, "Pacific/Guam" }, { 684, "Pacific/Pago_Pago" },
	{ 787, "America/Puerto_Rico" }, { 939, "America/Puerto_Rico" },

	/* Alberta */
	{ 368, "America/Edmonton" }, { 403, "America/Edmonton" },
	{ 587, "America/Edmonton" }, { 780, "America/Edmonton" },
	{ 825, "America/Edmonton" },
	/* British Columbia: 250, all but the East Kootenay (Mountain) */
	{ 236, "America/Vancouver" }, { 250, "America/Vancouver" },
	{ 257, "America/Vancouver" }, { 604, "America/Vancouver" },
	{ 672, "America/Vancouver" }, { 778, "America/Vancouver" },
	/* Manitoba */
	{ 204, "America/Winnipeg" }, { 431, "America/Winnipeg" },
	{ 584, "America/Winnipeg" },
	/* New Brunswick */
	{ 506, "America/Moncton" },
	/* Newfoundland and Labrador: Labrador's Atlantic time is the
	 * minority */
	{ 709, "America/St_Johns" }, { 879, "America/St_Johns" },
	/* Nova Scotia, Prince Edward Island */
	{ 782, "America/Halifax" }, { 902, "America/Halifax" },
	/* Ontario: 807, Thunder Bay (Eastern) outnumbers Kenora */
	{ 226, "America/Toronto" }, { 249, "America/Toronto" },
	{ 289, "America/Toronto" }, { 343, "America/Toronto" },
	{ 365, "America/Toronto" }, { 382, "America/Toronto" },
	{ 416, "America/Toronto" }, { 437, "America/Toronto" },
	{ 519, "America/Toronto" }, { 548, "America/Toronto" },
	{ 613, "America/Toronto" }, { 647, "America/Toronto" },
	{ 683, "America/Toronto" }, { 705, "America/Toronto" },
	{ 742, "America/Toronto" }, { 753, "America/Toronto" },
	{ 807, "America/Toronto" }, { 905, "America/Toronto" },
	{ 942, "America/Toronto" },
	/* Quebec */
	{ 263, "America/Toronto" }, { 354, "America/Toronto" },
	{ 367, "America/Toronto" }, { 418, "America/Toronto" },
	{ 438, "America/Toronto" }, { 450, "America/Toronto" },
	{ 468, "America/Toronto" }, { 514, "America/Toronto" },
	{ 579, "America/Toronto" }, { 581, "America/Toronto" },
	{ 819, "America/Toronto" }, { 873, "America/Toronto" },
	/* Saskatchewan (no daylight saving) */
	{ 306, "America/Regina" }, { 474, "America/Regina" },
	{ 639, "America/Regina" },
	/* Yukon, Northwest Territories, Nunavut: the Northwest Territories
	 * (Mountain, as Edmonton) are the largest of the three, just */
	{ 867, "America/Edmonton" },
};

const char *
quiet_area_zone(int code)
{
	size_t	i;

	for (i = 0; i < sizeof quiet_areas / sizeof *quiet_areas; i++)
		if (quiet_areas[i].code == code)
			return (quiet_areas[i].zone);
	return (NULL);
}

/* The clinic's zone: the first location's (as report_zone()). */
static const char *
quiet_clinic_zone(const struct config *cfg)
{
	if (cfg != NULL && cfg->nlocations > 0 &&
	    cfg->locations[0].timezone != NULL)
		return (cfg->locations[0].timezone);
	return (Z_CT);
}

const char *
quiet_zone(const struct config *cfg, const char *phone)
{
	const char	*zone;
	size_t		 i;

	/* +1 NPA NXX XXXX: ten digits after the country code. */
	if (phone == NULL || strncmp(phone, "+1", 2) != 0 ||
	    strlen(phone) != 12)
		return (quiet_clinic_zone(cfg));
	for (i = 2; i < 12; i++)
		if (phone[i] < '0' || phone[i] > '9')
			return (quiet_clinic_zone(cfg));
	zone = quiet_area_zone((phone[2] - '0') * 100 + (phone[3] - '0') * 10 +
	    (phone[4] - '0'));
	return (zone != NULL ? zone : quiet_clinic_zone(cfg));
}

time_t
quiet_next_allowed_tz(const char *tz, time_t when)
{
	struct tm	tm;

	if (util_localtime(tz, when, &tm) != 0)
		return (when);
	if (tm.tm_hour >= QUIET_END_HOUR && tm.tm_hour < QUIET_START_HOUR)
		return (when);
	/*
	 * 08:00 today or tomorrow; util_mktime() normalises the day of the
	 * month and works out whether daylight saving applies then, so a
	 * night that changes the clocks still ends at 08:00 on the wall.
	 */
	if (tm.tm_hour >= QUIET_START_HOUR)
		tm.tm_mday++;
	tm.tm_hour = QUIET_END_HOUR;
	tm.tm_min = 0;
	tm.tm_sec = 0;
	return (util_mktime(tz, &tm));
}

time_t
quiet_next_allowed(const struct config *cfg, const char *phone, time_t when)
{
	return (quiet_next_allowed_tz(quiet_zone(cfg, phone), when));
}

int
quiet_is_quiet(const struct config *cfg, const char *phone, time_t when)
{
	return (quiet_next_allowed(cfg, phone, when) != when);
}
