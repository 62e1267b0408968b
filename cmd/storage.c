/*
 * storage.c - "hongdang storage": the storage room's temperature and
 * humidity (库房温湿度): log a reading, report the last days.
 *
 * A reading outside 14-24 °C or 45-60 % RH is flagged where it is logged
 * and in the report.
 */
#include "cmd.h"

#include <math.h>
#include <stdlib.h>
#include <time.h>

static const char about[] =
	"The storage room's temperature and humidity (库房温湿度).  The room\n"
	"must keep 14-24 °C and 45-60 % RH; a reading outside is flagged.\n";

static const struct cmd_spec log_spec = {
	.help =
	"usage: hongdang [-d DIR] storage log --temp C --rh PCT [--at TIME]\n"
	"              [--room ROOM]\n\n"
	"Record a reading of the room.\n\n"
	"  --temp C      degrees Celsius        --rh PCT   relative humidity\n"
	"  --at TIME     when it was read: 2026-11-20 09:30 (China time) or\n"
	"                ISO 8601 with a zone; default now\n"
	"  --room ROOM   default 一号库房\n",
};

static const struct cmd_spec report_spec = {
	.help =
	"usage: hongdang [-d DIR] storage report [--days N] [--room ROOM]\n"
	"              [--json]\n\n"
	"The readings of the last days: ranges, averages and every reading\n"
	"outside the limits.\n\n"
	"  --days N      the last N days, 1-3660 (default 30)\n"
	"  --room ROOM   one room (default: every room)\n"
	"  --json        {days, since, readings, out_of_range, temp_min,\n"
	"                temp_max, temp_avg, rh_min, rh_max, rh_avg,\n"
	"                flagged}\n",
	.flags = CMD_READ,
};

/* Why a reading of temp °C and rh % is flagged ("温度过高，湿度过低"),
 * written into buf (n bytes) and returned, or NULL when it is within the
 * limits. */
static const char *flag_of(double temp, double rh, char *buf, size_t n)
{
	const char *t = temp < HD_TEMP_MIN ? "温度过低" : temp > HD_TEMP_MAX ?
		"温度过高" : NULL;
	const char *h = rh < HD_RH_MIN ? "湿度过低" : rh > HD_RH_MAX ?
		"湿度过高" : NULL;

	if (t == NULL && h == NULL) {
		return NULL;
	}
	snprintf(buf, n, "%s%s%s", t ? t : "", t && h ? "，" : "",
		h ? h : "");
	return buf;
}

/* The number s (strtod's form, nothing after it) from a command line,
 * or NAN when s is NULL, empty or not a number. */
static double number(const char *s)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0') {
		return NAN;
	}
	v = strtod(s, &end);
	return *end == '\0' ? v : NAN;
}

/* storage log --temp C --rh PCT [--at TIME] [--room ROOM]: record a
 * reading, flagged when outside the limits.  Exit 0, 2 for bad usage or
 * a reading that cannot be (99 °C). */
static int storage_log(struct cmd_ctx *c, int argc, char **argv)
{
	const char *temp_s = NULL, *rh_s = NULL, *at_s = NULL, *room = NULL;
	const struct cmd_opt opts[] = {
		CMD_STR("temp", &temp_s),
		CMD_STR("rh", &rh_s),
		CMD_STR("at", &at_s),
		CMD_STR("room", &room),
		CMD_END,
	};
	struct hd_error e;
	double temp, rh;
	char at[32], why[64];
	const char *flag;
	int st;

	st = cmd_start(c, &log_spec, opts, &argc, &argv);
	if (st >= 0) {
		return st;
	}
	temp = number(temp_s);
	rh = number(rh_s);
	if (isnan(temp) || isnan(rh)) {
		return cmd_usage(c, "give --temp C and --rh PCT as numbers");
	}
	hd_err_clear(&e);
	if (at_s != NULL && hd_time_parse(at_s, at, &e) != 0) {
		return cmd_usage(c, "--at: %s", e.msg);
	}
	st = cmd_open(c, 0);
	if (st != 0) {
		return st;
	}
	if (hd_reading_add(c->a, room, temp, rh, at_s ? at : NULL,
	    &c->agent, &e) != 0) {
		st = cmd_fail(c, &e);
		return e.code == HD_EINVAL ? 2 : st;
	}
	flag = flag_of(temp, rh, why, sizeof why);
	printf("已记录：%s %.1f °C，%.0f%% RH\n", room ? room : "一号库房",
		temp, rh);
	if (flag != NULL) {
		printf("超出范围：%s（应保持 %.0f-%.0f °C，%.0f-%.0f%% RH）\n",
			flag, HD_TEMP_MIN, HD_TEMP_MAX, HD_RH_MIN, HD_RH_MAX);
	}
	return 0;
}

/* storage report [--days N] [--room ROOM]: the readings of the last N
 * days (30), their ranges and averages and those flagged (--json: as an
 * object).  Exit 0. */
static int storage_report(struct cmd_ctx *c, int argc, char **argv)
{
	const char *room = NULL;
	int days = 30, json = 0, status;
	const struct cmd_opt opts[] = {
		CMD_INT("days", &days, 1, 3660),
		CMD_STR("room", &room),
		CMD_FLAG("json", &json),
		CMD_END,
	};
	struct hd_reading *v = NULL;
	struct hd_error e;
	double tmin = 0, tmax = 0, tsum = 0, hmin = 0, hmax = 0, hsum = 0;
	size_t n = 0, i, bad = 0;
	char since[32], why[64];
	json_t *o, *flagged;
	time_t t;
	struct tm tm;

	status = cmd_start(c, &report_spec, opts, &argc, &argv);
	if (status >= 0) {
		return status;
	}
	t = time(NULL) - (time_t)days * 86400;
	gmtime_r(&t, &tm);
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	hd_err_clear(&e);
	if (hd_readings_since(c->a, since, room, &v, &n, &e) != 0) {
		return cmd_fail(c, &e);
	}
	status = 0;
	for (i = 0; i < n; i++) {
		if (i == 0 || v[i].temp < tmin) {
			tmin = v[i].temp;
		}
		if (i == 0 || v[i].temp > tmax) {
			tmax = v[i].temp;
		}
		if (i == 0 || v[i].rh < hmin) {
			hmin = v[i].rh;
		}
		if (i == 0 || v[i].rh > hmax) {
			hmax = v[i].rh;
		}
		tsum += v[i].temp;
		hsum += v[i].rh;
		bad += !v[i].in_range;
	}
	if (json) {
		o = json_object();
		flagged = json_array();
		json_object_set_new(o, "days", json_integer(days));
		json_object_set_new(o, "since", json_string(since));
		json_object_set_new(o, "readings", json_integer((json_int_t)n));
		json_object_set_new(o, "out_of_range",
			json_integer((json_int_t)bad));
		if (n > 0) {
			json_object_set_new(o, "temp_min", json_real(tmin));
			json_object_set_new(o, "temp_max", json_real(tmax));
			json_object_set_new(o, "temp_avg",
				json_real(tsum / (double)n));
			json_object_set_new(o, "rh_min", json_real(hmin));
			json_object_set_new(o, "rh_max", json_real(hmax));
			json_object_set_new(o, "rh_avg",
				json_real(hsum / (double)n));
		}
		for (i = 0; i < n; i++) {
			json_t *r;

			if (v[i].in_range) {
				continue;
			}
			r = json_object();
			json_object_set_new(r, "at", json_string(v[i].at));
			json_object_set_new(r, "room", json_string(v[i].room));
			json_object_set_new(r, "temp", json_real(v[i].temp));
			json_object_set_new(r, "rh", json_real(v[i].rh));
			json_object_set_new(r, "why", json_string(flag_of(
				v[i].temp, v[i].rh, why, sizeof why)));
			json_array_append_new(flagged, r);
		}
		json_object_set_new(o, "flagged", flagged);
		status = cmd_json_out(o);
	} else {
		printf("库房温湿度：最近 %d 天，%zu 次记录\n", days, n);
		if (n > 0) {
			printf("温度 %.1f-%.1f °C，平均 %.1f °C（应保持 "
				"%.0f-%.0f °C）\n湿度 %.0f-%.0f%%，平均 %.0f%%"
				"（应保持 %.0f-%.0f%%）\n", tmin, tmax,
				tsum / (double)n, HD_TEMP_MIN, HD_TEMP_MAX,
				hmin, hmax, hsum / (double)n, HD_RH_MIN,
				HD_RH_MAX);
		}
		printf("超出范围 %zu 次\n", bad);
		for (i = 0; i < n; i++) {
			if (!v[i].in_range) {
				printf("  %s  %s  %.1f °C  %.0f%%  %s\n",
					v[i].at, v[i].room, v[i].temp, v[i].rh,
					flag_of(v[i].temp, v[i].rh, why,
					sizeof why));
			}
		}
	}
	free(v);
	return status;
}

static const struct subcommand subs[] = {
	{"log", storage_log, &log_spec},
	{"report", storage_report, &report_spec},
	{NULL, NULL, NULL},
};

/* hongdang storage SUBCOMMAND ...: one of subs (main.c runs it). */
const struct cmd_group cmd_storage = { about, subs };
