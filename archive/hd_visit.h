/*
 * hd_visit.h - guided-talk bookings (visits.c) and the form tokens that
 * a visitor's form carries (account.c); part of hd.h, which includes it.
 *
 * A booking is refused, each time with a Chinese message for the form,
 * when it asks for what cannot be had (a slot past, full, not open or
 * closed by the staff, a group already booked there) and when it passes
 * a limit that keeps one visitor from taking every slot: a contact holds
 * at most HD_VISIT_OPEN_MAX open bookings, an address (other than the
 * kiosks', setting visit.kiosks) makes at most HD_VISIT_HOURLY_MAX an
 * hour, and a form token books once.  Every check and the insert are one
 * transaction under the write lock, so bookers at once cannot pass a
 * limit between them.  Staff list bookings, cancel one (marked, kept)
 * and close a slot to new bookings.
 */
#ifndef HD_VISIT_H
#define HD_VISIT_H

#include "hd.h"

/* One bookable hour of a day.  Public-welfare hours (公益时段, 09:00-12:00
 * by default, setting visit.free) are free; the low-price hours (setting
 * visit.paid, "14:00-17:00,19:00-21:00") cost visit.price yuan a person;
 * every slot holds visit.capacity people. */
struct hd_slot {
	char time[6];           /* "09:00" */
	int free;               /* 1: 公益时段 */
	int price;              /* yuan per person, 0 when free */
	int capacity;           /* people */
	int booked;             /* people booked (cancelled ones not) */
};
/* Bookable hours as the settings visit.free and visit.paid hold them,
 * "HH:00-HH:00[,HH:00-HH:00...]" (hours 0-24, each range non-empty): the
 * one grammar, for hd_visit_slots and for "hongdang config".  mask[h]
 * becomes 1 for each hour h a range covers, 0 for the others.  Returns
 * 0, or HD_EINVAL naming spec. */
int hd_visit_hours(const char *spec, int mask[24], struct hd_error *e);
/* The kiosks' addresses as the setting visit.kiosks holds them: IPv4 or
 * IPv6 addresses separated by commas or spaces ("" for none), the one
 * grammar for hd_visit_book and "hongdang config".  Returns 0, or
 * HD_EINVAL naming the first item that is not an address. */
int hd_visit_kiosks(const char *spec, struct hd_error *e);
/* The slots of day ("2026-12-01"): *slots receives an array (caller
 * frees).  HD_EINVAL for a malformed day, HD_EDB when the settings or
 * bookings cannot be read. */
int hd_visit_slots(struct hd_archive *a, const char *day,
	struct hd_slot **slots, size_t *nslots, struct hd_error *e);
/* 1 when the slot "HH:MM" of day "YYYY-MM-DD" has begun (China time) at
 * Unix time now: it can no longer be booked. */
int hd_visit_past(const char *day, const char *slot, int64_t now);

#define HD_VISIT_OPEN_MAX 2     /* open bookings one contact may hold */
#define HD_VISIT_HOURLY_MAX 10  /* bookings one address may make an hour */
#define HD_VISIT_AHEAD_DAYS 60  /* how far ahead a day may be booked */
#define HD_VISIT_FORM_TTL 3600  /* seconds a booking form's token lives */

/* A booking as a visitor's form sent it. */
struct hd_booking {
	const char *day;        /* "YYYY-MM-DD" */
	const char *slot;       /* "09:00" */
	const char *group;      /* 团体名称, as typed */
	const char *contact;    /* phone number or e-mail, as typed */
	int people;
	const char *remote;     /* the client's address; NULL or "" none */
	const char *form;       /* the nonce of the form's token
	                           (hd_form_token_check); NULL none */
	int64_t now;            /* Unix seconds (hd_now_s) */
};
/*
 * Book a guided talk (its own transaction, an event "visit").  The group
 * and contact are kept tidied (hd_text_tidy: zero-width characters gone,
 * spaces trimmed and collapsed; the contact in NFKC) and compared by
 * their NFKC_Casefold forms; a phone number by its digits.  Refuses,
 * with a Chinese message naming what was sent:
 *  - HD_EINVAL: a day malformed, past, or more than HD_VISIT_AHEAD_DAYS
 *    ahead; a slot that is not one, has begun (hd_visit_past) or is
 *    closed (hd_visit_close); a group name not of 1-40 characters; a
 *    contact that is not a phone number or e-mail; people outside
 *    1..capacity; not enough room left; the same group already booked
 *    in the slot;
 *  - HD_EEXIST: the form's token booked already;
 *  - HD_ELIMIT: the contact holds HD_VISIT_OPEN_MAX open bookings, or
 *    the address (not a kiosk's) made HD_VISIT_HOURLY_MAX in the last
 *    hour.
 * *id receives the booking's number, 0 on every error.
 */
int hd_visit_book(struct hd_archive *a, const struct hd_booking *b,
	const struct hd_agent *agent, int64_t *id, struct hd_error *e);

/* A booking as staff see it. */
struct hd_visit {
	int64_t id;             /* 预约号 */
	char day[11];           /* "YYYY-MM-DD" */
	char slot[6];           /* "09:00" */
	char group[164];        /* 40 characters at most */
	char contact[84];
	int people;
	int free;               /* 1: 公益时段 */
	int price;              /* yuan a person */
	char created[32];       /* ISO 8601 UTC */
	char remote[48];        /* the address it came from, "" unknown */
	char cancelled[32];     /* ISO 8601 UTC; "" while it stands */
	char cancelled_by[64];  /* the agent who cancelled it */
};
/* The bookings of days days from day from ("YYYY-MM-DD", days 1-366)
 * by day, slot and number, cancelled ones too: *v receives an array
 * (caller frees), *n its length.  HD_EINVAL for a malformed day or
 * count, HD_EDB. */
int hd_visit_list(struct hd_archive *a, const char *from, int days,
	struct hd_visit **v, size_t *n, struct hd_error *e);
#define HD_VISIT_REASON_MAX 200 /* bytes of a cancellation's reason */
/* Cancel booking id (its own transaction, an event "visit" saying what
 * it was, who cancelled it and why: reason, one line of at most
 * HD_VISIT_REASON_MAX bytes, NULL or "" for none).  The row stays,
 * marked cancelled: its people no longer fill the slot and it no longer
 * counts against its contact.  *v (may be NULL) receives the booking as
 * it now is.  HD_ENOTFOUND ("没有预约号 N"), HD_EINVAL when it is
 * cancelled already, its slot has begun at now (Unix seconds) or the
 * reason is too long or not one line, HD_EDB. */
int hd_visit_cancel(struct hd_archive *a, int64_t id, int64_t now,
	const char *reason, const struct hd_agent *agent, struct hd_visit *v,
	struct hd_error *e);
/* Close (closed 1) or open again (0) the slot "HH:MM" of day for new
 * bookings (its own transaction, an event "visit"; the bookings made
 * stay).  hd_visit_book refuses a closed slot.  Closing a closed slot
 * changes nothing.  HD_EINVAL for a malformed day or an hour that is not
 * a slot, HD_EDB. */
int hd_visit_close(struct hd_archive *a, const char *day, const char *slot,
	int closed, const struct hd_agent *agent, struct hd_error *e);
/* 1 when the slot of day is closed, 0 when it is not (or the setting
 * cannot be read: the booking's transaction checks again). */
int hd_visit_closed(struct hd_archive *a, const char *day,
	const char *slot);

/* Form tokens of the visitors' forms (account.c), made in the form and
 * checked when it comes back: "ISSUED.NONCE.MAC", the Unix time it was
 * made, 16 random bytes in hex, and an HMAC-SHA-256 (a key made at
 * random for the process: tokens end when the server restarts) over
 * purpose, bind (what the token is tied to: the visitor's cookie), the
 * time and the nonce.  hd_form_token writes a new one into out.
 * hd_form_token_check: 1 when token is one that hd_form_token made for
 * purpose and bind no more than max_age seconds before now (nor after
 * it), with its nonce (32 hex digits) in nonce; else 0. */
#define HD_FORM_TOKEN_SIZE 120
void hd_form_token(const char *purpose, const char *bind, int64_t now,
	char out[HD_FORM_TOKEN_SIZE]);
int hd_form_token_check(const char *purpose, const char *bind,
	const char *token, int64_t now, int max_age, char nonce[33]);

#endif
