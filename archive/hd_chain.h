/*
 * hd_chain.h - the event log read as the chain it is (event.c): each
 * event with the hash of the one before, its own hash and what that hash
 * covers, for showing how a change anywhere would show (the review
 * demonstration).  Included by hd.h.
 */
#ifndef HD_CHAIN_H
#define HD_CHAIN_H

/* Events hd_chain_tail returns at most. */
#define HD_CHAIN_TAIL_MAX 100

/* One event as the chain holds it. */
struct hd_link {
	struct hd_event ev;     /* id, at, type, agent, detail, ref (the
	                           record's reference code, or NULL) */
	int64_t record;         /* the record's id, 0 when none */
	char prev[65];          /* the previous event's hash, as stored */
	char hash[65];          /* this event's hash, as stored */
	char calc[65];          /* its hash computed again from its fields */
	char *covered;          /* what the hash covers, as hashed: prev,
	                           id, time, type, record, agent and detail
	                           a line each */
};
/* The newest n (1-HD_CHAIN_TAIL_MAX) events, oldest first: *v receives
 * an array (free with hd_links_free), *nv its count.  An event's calc
 * equals its hash, and its prev the hash of the event before it, unless
 * the log was changed.  0, HD_EUSAGE for n out of range, HD_EDB. */
int hd_chain_tail(struct hd_archive *a, int n, struct hd_link **v,
	size_t *nv, struct hd_error *e);
void hd_links_free(struct hd_link *v, size_t n);

#endif
