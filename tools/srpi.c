// SPDX-License-Identifier: GPL-2.0-only
/*
 * srpi - a scriptable SRP initiator for testing SRP targets.
 *
 * Logs in over the RDMA/CM with a hand-built SRP_LOGIN_REQ in which every
 * field can be overridden, then runs a sequence of steps on that channel:
 * build and send SRP_CMD, SRP_TSK_MGMT, SRP_I_LOGOUT or raw IUs, await and
 * print what the target answers, sleep, disconnect, move the own QP to the
 * error state, stop posting receives, ...  "srpi load" is a load generator
 * over one or more channels of one initiator (SINGLE, then MULTI logins).
 *
 * Every result is one machine-readable line on stdout; diagnostics go to
 * stderr.  See tools/README.md for the script syntax and output format.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

#include "srpt_proto.h"

#define DEF_DEST		"192.0.2.1:5555"
#define DEF_IT_IU_LEN		8276
#define DEF_IMM_OFFSET		68	/* what ib_srp uses: 48 + 16 + 4 */
#define DEF_TIMEOUT_MS		5000
#define DEF_NR_RECV		256
#define DEF_RECV_SIZE		4096
#define DEF_NR_SLOTS		256
#define DEF_DATA_SIZE		(1u << 20)
#define TABLE_AREA		8192	/* end of the data buffer: descriptor tables */
#define SERVICE_GUID_PARAM	"/sys/module/ib_srpt/parameters/srpt_service_guid"
#define RECV_WRID		(1ull << 62)
#define MAX_TOKS		96
#define MAX_DESC		4096

typedef int64_t s64;

static int verbose;
static u64 t_start;
static u64 now_us(void);

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("srpi: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void dbg(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "srpi: %8.3f ", (double)(now_us() - t_start) / 1e6);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static u64 now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* ------------------------------ parsing ---------------------------------- */

/* A number: decimal, 0x hex or 0 octal, with an optional k/m/g suffix. */
static bool parse_u64(const char *s, u64 *v)
{
	char *end;
	u64 x, mul = 1;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno)
		return false;
	switch (*end) {
	case 'k': case 'K':
		mul = 1ull << 10;
		end++;
		break;
	case 'm': case 'M':
		mul = 1ull << 20;
		end++;
		break;
	case 'g': case 'G':
		mul = 1ull << 30;
		end++;
		break;
	}
	if (*end)
		return false;
	*v = x * mul;
	return true;
}

static u64 num(const char *what, const char *s, u64 max)
{
	u64 v;

	if (!parse_u64(s, &v) || v > max)
		die("bad value '%s' for %s (max %" PRIu64 ")", s ? s : "", what,
		    max);
	return v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes; '_', '.', ':' and '-' are ignored; an optional 0x prefix. */
static size_t parse_hex(const char *what, const char *s, u8 *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	for (; *s; s++) {
		int v;

		if (*s == '_' || *s == '.' || *s == ':' || *s == '-')
			continue;
		v = hexval(*s);
		if (v < 0)
			die("bad hex digit '%c' in %s", *s, what);
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= max)
			die("%s: more than %zu bytes", what, max);
		out[n++] = (u8)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		die("%s: odd number of hex digits", what);
	return n;
}

static void parse_id16(const char *what, const char *s, u8 id[16])
{
	if (parse_hex(what, s, id, 16) != 16)
		die("%s must be 16 bytes (32 hex digits)", what);
}

/* ------------------------------- options --------------------------------- */

struct poke {
	u32 off;
	u32 len;
	u8 bytes[64];
};

static struct {
	const char *dest;
	const char *src;
	int timeout_ms;
	/* login request */
	int opcode;
	u64 tag;
	u32 it_iu_len;
	u16 buf_fmt;
	int req_flags;		/* -1: from multichan/imm */
	int multichan;
	bool imm;
	u32 imm_offset;
	bool iport_set, tport_set;
	u8 iport[16], tport[16];
	bool pdata_raw;
	u8 pdata[256];
	u32 pdata_raw_len;
	int pdata_len;		/* -1: 56 */
	struct poke pokes[16];
	int n_pokes;
	/* connection */
	int retry, rnr_retry, resp_res, init_depth;
	u32 nr_recv, post_recv, recv_size, nr_slots, slot_size;
	u64 data_size;
	bool ignore_credits;
	bool show_flush;
	bool no_cred_rsp;
	bool dump_iu;
	u32 block_size;
	/* load */
	u32 channels, qd, bs, mix, lun;
	const char *rw;
	double time_s;
	const char *script;
} opt = {
	.dest		= DEF_DEST,
	.timeout_ms	= DEF_TIMEOUT_MS,
	.opcode		= SRPT_OP_LOGIN_REQ,
	.tag		= 0x5352504900000001ull,	/* "SRPI" 1 */
	.it_iu_len	= DEF_IT_IU_LEN,
	.buf_fmt	= SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT,
	.req_flags	= -1,
	.multichan	= SRPT_MULTICHAN_SINGLE,
	.imm_offset	= DEF_IMM_OFFSET,
	.pdata_len	= -1,
	.retry		= 7,
	.rnr_retry	= 7,
	.resp_res	= 4,
	.init_depth	= 4,
	.nr_recv	= DEF_NR_RECV,
	.post_recv	= UINT_MAX,
	.recv_size	= DEF_RECV_SIZE,
	.nr_slots	= DEF_NR_SLOTS,
	.data_size	= DEF_DATA_SIZE,
	.block_size	= 512,
	.channels	= 1,
	.qd		= 32,
	.bs		= 4096,
	.mix		= 50,
	.rw		= "randread",
	.time_s		= 10,
};

/* ---------------------------- connection --------------------------------- */

enum ev_type {
	EV_IU,
	EV_WC_ERR,
	EV_DISC,
};

struct ev {
	struct ev *next;
	enum ev_type type;
	int op;			/* EV_WC_ERR: 0 send, 1 recv */
	int status;
	u32 len;
	u8 data[];
};

struct lcmd;

struct conn {
	int idx;
	struct rdma_cm_id *id;
	struct ibv_pd *pd;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	u8 *rbuf;
	struct ibv_mr *rmr;
	u32 nr_recv, recv_size;
	bool *recv_posted;
	bool recv_stopped;
	u8 *sbuf;
	struct ibv_mr *smr;
	u32 nr_slots, slot_size;
	u32 *free_slot;
	u32 n_free;
	u8 *data;
	struct ibv_mr *dmr;
	u64 data_size;
	/* login outcome */
	bool connected, disconnected;
	u32 max_it_iu_len, max_ti_iu_len;
	u16 buf_fmt;
	u8 rsp_flags;
	long credits;
	u64 next_tag;
	bool flush_seen;
	/* script mode: received events in arrival order */
	struct ev *head, *tail;
	/* load mode */
	struct lcmd *lcmds;
	u32 n_out;
	u64 seq_lba;
};

static struct rdma_event_channel *ec;
static struct ibv_comp_channel *cc;
static struct conn *conns[64];
static int n_conns;
static bool load_mode;

static void load_on_iu(struct conn *c, const u8 *b, u32 len);
static void load_on_err(struct conn *c);

static struct conn *conn_of_id(struct rdma_cm_id *id)
{
	int i;

	for (i = 0; i < n_conns; i++)
		if (conns[i]->id == id)
			return conns[i];
	return NULL;
}

static void enqueue(struct conn *c, enum ev_type t, int op, int status,
		    const void *data, u32 len)
{
	struct ev *e = calloc(1, sizeof(*e) + len);

	if (!e)
		die("out of memory");
	e->type = t;
	e->op = op;
	e->status = status;
	e->len = len;
	if (len)
		memcpy(e->data, data, len);
	if (c->tail)
		c->tail->next = e;
	else
		c->head = e;
	c->tail = e;
}

static struct ev *dequeue(struct conn *c)
{
	struct ev *e = c->head;

	if (e) {
		c->head = e->next;
		if (!c->head)
			c->tail = NULL;
	}
	return e;
}

static int post_recv(struct conn *c, u32 i)
{
	struct ibv_sge sge = {
		.addr	= (uintptr_t)(c->rbuf + (size_t)i * c->recv_size),
		.length	= c->recv_size,
		.lkey	= c->rmr->lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id	 = RECV_WRID | i,
		.sg_list = &sge,
		.num_sge = 1,
	}, *bad;
	int ret;

	ret = ibv_post_recv(c->qp, &wr, &bad);
	if (!ret)
		c->recv_posted[i] = true;
	return ret;
}

/* Post every receive buffer that is not posted, at most @max. */
static u32 post_recvs(struct conn *c, u32 max)
{
	u32 i, n = 0;

	for (i = 0; i < c->nr_recv && n < max; i++) {
		if (c->recv_posted[i])
			continue;
		if (post_recv(c, i))
			break;
		n++;
	}
	return n;
}

static const char *wc_status_name(int s)
{
	static const char *const names[] = {
		[IBV_WC_SUCCESS]		= "SUCCESS",
		[IBV_WC_LOC_LEN_ERR]		= "LOC_LEN_ERR",
		[IBV_WC_LOC_QP_OP_ERR]		= "LOC_QP_OP_ERR",
		[IBV_WC_LOC_EEC_OP_ERR]		= "LOC_EEC_OP_ERR",
		[IBV_WC_LOC_PROT_ERR]		= "LOC_PROT_ERR",
		[IBV_WC_WR_FLUSH_ERR]		= "WR_FLUSH_ERR",
		[IBV_WC_MW_BIND_ERR]		= "MW_BIND_ERR",
		[IBV_WC_BAD_RESP_ERR]		= "BAD_RESP_ERR",
		[IBV_WC_LOC_ACCESS_ERR]		= "LOC_ACCESS_ERR",
		[IBV_WC_REM_INV_REQ_ERR]	= "REM_INV_REQ_ERR",
		[IBV_WC_REM_ACCESS_ERR]		= "REM_ACCESS_ERR",
		[IBV_WC_REM_OP_ERR]		= "REM_OP_ERR",
		[IBV_WC_RETRY_EXC_ERR]		= "RETRY_EXC_ERR",
		[IBV_WC_RNR_RETRY_EXC_ERR]	= "RNR_RETRY_EXC_ERR",
		[IBV_WC_LOC_RDD_VIOL_ERR]	= "LOC_RDD_VIOL_ERR",
		[IBV_WC_REM_INV_RD_REQ_ERR]	= "REM_INV_RD_REQ_ERR",
		[IBV_WC_REM_ABORT_ERR]		= "REM_ABORT_ERR",
		[IBV_WC_INV_EECN_ERR]		= "INV_EECN_ERR",
		[IBV_WC_INV_EEC_STATE_ERR]	= "INV_EEC_STATE_ERR",
		[IBV_WC_FATAL_ERR]		= "FATAL_ERR",
		[IBV_WC_RESP_TIMEOUT_ERR]	= "RESP_TIMEOUT_ERR",
		[IBV_WC_GENERAL_ERR]		= "GENERAL_ERR",
	};

	if (s >= 0 && s < (int)(sizeof(names) / sizeof(names[0])) && names[s])
		return names[s];
	return "UNKNOWN";
}

static bool iu_has_delta(const u8 *b, u32 len)
{
	return len >= 8 && (b[0] == SRPT_OP_RSP || b[0] == SRPT_OP_CRED_REQ ||
			    b[0] == SRPT_OP_AER_REQ);
}

static int send_cred_rsp(struct conn *c, const u8 *req, u32 len);

static void handle_wc(struct conn *c, const struct ibv_wc *wc)
{
	bool recv = wc->wr_id & RECV_WRID;
	u32 i = (u32)(wc->wr_id & 0xffffffffu);

	if (recv) {
		c->recv_posted[i] = false;
	} else {
		if (i >= c->nr_slots)
			die("bad send completion %" PRIu64, (u64)wc->wr_id);
		c->free_slot[c->n_free++] = i;
	}
	if (wc->status != IBV_WC_SUCCESS) {
		if (wc->status != IBV_WC_WR_FLUSH_ERR || !c->flush_seen)
			dbg("channel %d: %s completion %s", c->idx,
			    recv ? "recv" : "send", wc_status_name(wc->status));
		if (wc->status == IBV_WC_WR_FLUSH_ERR && !opt.show_flush) {
			c->flush_seen = true;
			return;
		}
		if (load_mode)
			load_on_err(c);
		else
			enqueue(c, EV_WC_ERR, recv, wc->status, NULL, 0);
		return;
	}
	if (!recv)
		return;

	{
		const u8 *b = c->rbuf + (size_t)i * c->recv_size;
		u32 len = wc->byte_len;

		dbg("received %u bytes, opcode 0x%02x", len, len ? b[0] : 0);
		if (iu_has_delta(b, len))
			c->credits += srpt_get_be32(b + 4);
		if (load_mode) {
			load_on_iu(c, b, len);
		} else {
			enqueue(c, EV_IU, 0, 0, b, len);
			if (len >= 16 && b[0] == SRPT_OP_CRED_REQ &&
			    !opt.no_cred_rsp)
				send_cred_rsp(c, b, len);
		}
		if (!c->recv_stopped && !c->disconnected)
			post_recv(c, i);
	}
}

static int drain_cq(struct conn *c)
{
	struct ibv_wc wc[32];
	int n, i, total = 0;

	while ((n = ibv_poll_cq(c->cq, 32, wc)) > 0) {
		for (i = 0; i < n; i++)
			handle_wc(c, &wc[i]);
		total += n;
	}
	return total;
}

/* Process every completion of every channel; returns how many. */
static int drain_all_cqs(void)
{
	int i, n = 0;

	for (i = 0; i < n_conns; i++)
		if (conns[i]->cq)
			n += drain_cq(conns[i]);
	return n;
}

static void on_disconnect(struct conn *c)
{
	if (c->disconnected)
		return;
	c->disconnected = true;
	c->connected = false;
	/* Answer the DREQ so that the peer need not wait for a timeout. */
	rdma_disconnect(c->id);
	if (load_mode)
		load_on_err(c);
	else
		enqueue(c, EV_DISC, 0, 0, NULL, 0);
}

/* Handle an RDMA/CM event that arrived outside of a login. */
static void async_cm_event(struct rdma_cm_event *e)
{
	struct conn *c = conn_of_id(e->id);

	dbg("cm event %s status %d", rdma_event_str(e->event), e->status);
	if (!c)
		return;
	switch (e->event) {
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		on_disconnect(c);
		break;
	default:
		break;
	}
}

static void drain_cm(void)
{
	struct rdma_cm_event *e;

	while (!rdma_get_cm_event(ec, &e)) {
		struct rdma_cm_event copy = *e;

		rdma_ack_cm_event(e);
		async_cm_event(&copy);
	}
}

/*
 * Wait up to @tmo_ms for completions or CM events and process them.  Returns
 * as soon as something was processed.
 */
static void pump(int tmo_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = cc->fd, .events = POLLIN },
		{ .fd = ec->fd, .events = POLLIN },
	};
	int i;

	/* Arm first, then poll: nothing can slip between the two. */
	for (i = 0; i < n_conns; i++)
		if (conns[i]->cq)
			ibv_req_notify_cq(conns[i]->cq, 0);
	if (drain_all_cqs())
		tmo_ms = 0;	/* progress: do not sleep */
	if (tmo_ms < 0)
		tmo_ms = 0;
	if (poll(pfd, 2, tmo_ms) <= 0)
		return;
	if (pfd[0].revents & POLLIN) {
		struct ibv_cq *cq;
		void *ctx;

		while (!ibv_get_cq_event(cc, &cq, &ctx))
			ibv_ack_cq_events(cq, 1);
	}
	drain_all_cqs();
	if (pfd[1].revents & POLLIN)
		drain_cm();
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl: %s", strerror(errno));
}

/* Next CM event for @id within @tmo_ms; other ids' events are handled. */
static int wait_cm(struct rdma_cm_id *id, int tmo_ms, struct rdma_cm_event *out,
		   u8 *pdata, u8 *pdata_len)
{
	u64 end = now_us() + (u64)tmo_ms * 1000;

	for (;;) {
		struct rdma_cm_event *e;
		struct pollfd pfd = { .fd = ec->fd, .events = POLLIN };
		s64 left;

		while (!rdma_get_cm_event(ec, &e)) {
			if (e->id != id) {
				struct rdma_cm_event copy = *e;

				rdma_ack_cm_event(e);
				async_cm_event(&copy);
				continue;
			}
			*out = *e;
			*pdata_len = 0;
			if (e->param.conn.private_data &&
			    e->param.conn.private_data_len) {
				*pdata_len = e->param.conn.private_data_len;
				memcpy(pdata, e->param.conn.private_data,
				       *pdata_len);
			}
			out->param.conn.private_data = NULL;
			rdma_ack_cm_event(e);
			return 0;
		}
		left = (s64)(end - now_us());
		if ((s64)end - (s64)now_us() <= 0)
			return -ETIMEDOUT;
		poll(&pfd, 1, (int)(left / 1000) + 1);
	}
}

static void resolve(const char *spec, struct sockaddr_storage *ss,
		    const char *defport)
{
	char host[256], *port;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST }, *res;
	int ret;

	snprintf(host, sizeof(host), "%s", spec);
	port = NULL;
	if (host[0] == '[') {
		char *e = strchr(host, ']');

		if (!e)
			die("bad address %s", spec);
		*e = '\0';
		memmove(host, host + 1, strlen(host + 1) + 1);
		if (e[1] == ':')
			port = e + 1;
	} else if (strchr(host, ':') == strrchr(host, ':')) {
		port = strchr(host, ':');
		if (port)
			*port++ = '\0';
	}
	if (port && *port == ':')
		port++;
	ret = getaddrinfo(host, port ? port : defport, &hints, &res);
	if (ret)
		die("cannot parse address %s: %s", spec, gai_strerror(ret));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
}

static u64 service_guid(void)
{
	FILE *f = fopen(SERVICE_GUID_PARAM, "r");
	char buf[64];
	u64 g;

	if (!f || !fgets(buf, sizeof(buf), f))
		die("cannot read %s: give --tport or --service-guid", SERVICE_GUID_PARAM);
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	errno = 0;
	g = strtoull(buf, NULL, 16);
	if (errno)
		die("bad srpt_service_guid '%s'", buf);
	return g;
}

/*
 * --dump-iu: "srpi: WHAT channel=N len=N" and the bytes on stderr, 16 a
 * line, a run of lines equal to the one before as one "*" (as od does).
 */
static void dump_bytes(const char *what, int ch, const u8 *b, u32 len)
{
	bool starred = false;
	u32 i, j, n;

	fprintf(stderr, "srpi: %s channel=%d len=%u\n", what, ch, len);
	for (i = 0; i < len; i += n) {
		n = len - i < 16 ? len - i : 16;
		if (i && n == 16 && !memcmp(b + i, b + i - 16, 16)) {
			if (!starred)
				fputs("srpi: *\n", stderr);
			starred = true;
			continue;
		}
		starred = false;
		fprintf(stderr, "srpi: %06x ", i);
		for (j = 0; j < n; j++)
			fprintf(stderr, " %02x", b[i + j]);
		fputc('\n', stderr);
	}
}

/* Build the 56-byte srp_login_req_rdma (or the raw bytes); returns length. */
static u32 build_login(struct conn *c, u8 *pd, int multichan)
{
	u32 len = SRPT_LOGIN_REQ_RDMA_LEN;
	int flags = opt.req_flags;
	int i;

	memset(pd, 0, 256);
	if (opt.pdata_raw) {
		memcpy(pd, opt.pdata, opt.pdata_raw_len);
		len = opt.pdata_raw_len;
	} else {
		if (flags < 0) {
			flags = multichan & SRPT_MULTICHAN_MASK;
			if (opt.imm)
				flags |= SRPT_IMMED_REQUESTED;
		}
		srpt_put_be64(pd + 0, opt.tag);
		srpt_put_be16(pd + 8, opt.buf_fmt);
		pd[10] = (u8)flags;
		pd[11] = (u8)opt.opcode;
		srpt_put_be32(pd + 12, opt.it_iu_len);
		if (opt.iport_set) {
			memcpy(pd + 16, opt.iport, 16);
		} else {
			union ibv_gid gid;

			if (ibv_query_gid(c->id->verbs, c->id->port_num, 0, &gid))
				die("ibv_query_gid: %s", strerror(errno));
			memcpy(pd + 16, gid.raw, 16);
		}
		if (opt.tport_set) {
			memcpy(pd + 32, opt.tport, 16);
		} else {
			u64 g = service_guid();

			srpt_put_be64(pd + 32, g);
			srpt_put_be64(pd + 40, g);
		}
		srpt_put_be16(pd + 48, (u16)opt.imm_offset);
	}
	for (i = 0; i < opt.n_pokes; i++) {
		const struct poke *p = &opt.pokes[i];

		if (p->off + p->len > 256)
			die("--poke past 256 bytes");
		memcpy(pd + p->off, p->bytes, p->len);
		if (p->off + p->len > len)
			len = p->off + p->len;
	}
	if (opt.pdata_len >= 0)
		len = (u32)opt.pdata_len;
	return len;
}

static void *xalloc(size_t n)
{
	void *p;

	if (posix_memalign(&p, 4096, n ? n : 1))
		die("out of memory (%zu bytes)", n);
	memset(p, 0, n);
	return p;
}

static struct ibv_mr *reg(struct ibv_pd *pd, void *p, size_t n, int access)
{
	struct ibv_mr *mr = ibv_reg_mr(pd, p, n ? n : 1, access);

	if (!mr)
		die("ibv_reg_mr(%zu bytes): %s", n, strerror(errno));
	return mr;
}

/* Resources of a channel: PD, CQ, QP, rings, data buffer. */
static void conn_setup(struct conn *c)
{
	struct ibv_qp_init_attr qa = { 0 };
	u32 i, cqe;

	c->pd = ibv_alloc_pd(c->id->verbs);
	if (!c->pd)
		die("ibv_alloc_pd: %s", strerror(errno));
	if (!cc) {
		cc = ibv_create_comp_channel(c->id->verbs);
		if (!cc)
			die("ibv_create_comp_channel: %s", strerror(errno));
		set_nonblock(cc->fd);
	}
	cqe = c->nr_recv + c->nr_slots + 16;
	c->cq = ibv_create_cq(c->id->verbs, (int)cqe, c, cc, 0);
	if (!c->cq)
		die("ibv_create_cq(%u): %s", cqe, strerror(errno));
	qa.send_cq = c->cq;
	qa.recv_cq = c->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.sq_sig_all = 1;
	qa.cap.max_send_wr = c->nr_slots;
	qa.cap.max_recv_wr = c->nr_recv;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(c->id, c->pd, &qa))
		die("rdma_create_qp: %s", strerror(errno));
	c->qp = c->id->qp;

	c->rbuf = xalloc((size_t)c->nr_recv * c->recv_size);
	c->rmr = reg(c->pd, c->rbuf, (size_t)c->nr_recv * c->recv_size,
		     IBV_ACCESS_LOCAL_WRITE);
	c->recv_posted = calloc(c->nr_recv, sizeof(bool));
	c->sbuf = xalloc((size_t)c->nr_slots * c->slot_size);
	c->smr = reg(c->pd, c->sbuf, (size_t)c->nr_slots * c->slot_size, 0);
	c->free_slot = calloc(c->nr_slots, sizeof(u32));
	if (!c->recv_posted || !c->free_slot)
		die("out of memory");
	for (i = 0; i < c->nr_slots; i++)
		c->free_slot[c->n_free++] = c->nr_slots - 1 - i;
	c->data = xalloc(c->data_size);
	c->dmr = reg(c->pd, c->data, c->data_size,
		     IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_READ |
		     IBV_ACCESS_REMOTE_WRITE);
}

/* A channel's cm_id, its address and route resolved: 0, or 1 (printed). */
static int conn_resolve(struct conn *c)
{
	struct sockaddr_storage dst, src;
	struct rdma_cm_event e;
	u8 rpd[256], rlen = 0;

	if (rdma_create_id(ec, &c->id, c, RDMA_PS_TCP))
		die("rdma_create_id: %s", strerror(errno));
	conns[n_conns++] = c;
	resolve(opt.dest, &dst, "5555");
	if (opt.src)
		resolve(opt.src, &src, "0");
	if (rdma_resolve_addr(c->id, opt.src ? (struct sockaddr *)&src : NULL,
			      (struct sockaddr *)&dst, 2000)) {
		printf("login error resolve_addr: %s\n", strerror(errno));
		return 1;
	}
	if (wait_cm(c->id, opt.timeout_ms, &e, rpd, &rlen) ||
	    e.event != RDMA_CM_EVENT_ADDR_RESOLVED) {
		printf("login error address not resolved\n");
		return 1;
	}
	if (rdma_resolve_route(c->id, 2000)) {
		printf("login error resolve_route: %s\n", strerror(errno));
		return 1;
	}
	if (wait_cm(c->id, opt.timeout_ms, &e, rpd, &rlen) ||
	    e.event != RDMA_CM_EVENT_ROUTE_RESOLVED) {
		printf("login error route not resolved\n");
		return 1;
	}
	return 0;
}

/* "login tag-mismatch" if the LOGIN_RSP/REJ @rpd does not echo @sent. */
static void check_login_tag(u64 sent, const u8 *rpd)
{
	if (srpt_get_be64(rpd + 8) != sent)
		printf("login tag-mismatch sent=0x%016" PRIx64 " got=0x%016" PRIx64 "\n",
		       sent, srpt_get_be64(rpd + 8));
}

/*
 * The target's answer to the login request (@e, with @rlen bytes of
 * private data @rpd): print it; 0 if the channel is established, else 1.
 */
static int login_answer(struct conn *c, const struct rdma_cm_event *e,
			const u8 *rpd, u8 rlen, u64 sent_tag)
{
	switch (e->event) {
	case RDMA_CM_EVENT_ESTABLISHED:
		c->connected = true;
		if (rlen < SRPT_LOGIN_RSP_LEN || rpd[0] != SRPT_OP_LOGIN_RSP) {
			printf("login error accepted with %u bytes of private data, opcode 0x%02x\n",
			       rlen, rlen ? rpd[0] : 0);
			return 1;
		}
		c->credits = srpt_get_be32(rpd + 4);
		c->max_it_iu_len = srpt_get_be32(rpd + 16);
		c->max_ti_iu_len = srpt_get_be32(rpd + 20);
		c->buf_fmt = srpt_get_be16(rpd + 24);
		c->rsp_flags = rpd[26];
		printf("login rsp max_it_iu_len=%u max_ti_iu_len=%u req_lim_delta=%u buf_fmt=0x%x rsp_flags=0x%02x\n",
		       c->max_it_iu_len, c->max_ti_iu_len,
		       srpt_get_be32(rpd + 4), c->buf_fmt, c->rsp_flags);
		check_login_tag(sent_tag, rpd);
		return 0;
	case RDMA_CM_EVENT_REJECTED:
		if (rlen >= 16 && rpd[0] == SRPT_OP_LOGIN_REJ) {
			printf("login rej reason=0x%08x cm_status=%d\n",
			       srpt_get_be32(rpd + 4), e->status);
			check_login_tag(sent_tag, rpd);
		} else {
			printf("login rej reason=none cm_status=%d\n",
			       e->status);
		}
		return 1;
	default:
		printf("login error event=%s status=%d\n",
		       rdma_event_str(e->event), e->status);
		return 1;
	}
}

/*
 * Log in one channel.  Prints the "login ..." line.  Returns 0 when the
 * channel is established, 1 when rejected or failed.
 */
static int conn_login(struct conn *c, int multichan)
{
	struct rdma_conn_param p = { 0 };
	struct rdma_cm_event e;
	u8 pd[256], rpd[256], rlen = 0;
	u64 sent_tag;
	u32 len, i;

	if (conn_resolve(c))
		return 1;
	conn_setup(c);
	post_recvs(c, opt.post_recv);

	len = build_login(c, pd, multichan);
	/* What the target sees: RDMA/CM pads the private data with zeros. */
	sent_tag = 0;
	for (i = 0; i < 8; i++)
		sent_tag = sent_tag << 8 | (i < len ? pd[i] : 0);
	p.private_data = pd;
	p.private_data_len = (u8)(len > 255 ? 255 : len);
	if (len > 255)
		die("private data longer than 255 bytes");
	if (opt.dump_iu)
		dump_bytes("login-req", c->idx, pd, len);
	p.responder_resources = (u8)opt.resp_res;
	p.initiator_depth = (u8)opt.init_depth;
	p.flow_control = 1;
	p.retry_count = (u8)opt.retry;
	p.rnr_retry_count = (u8)opt.rnr_retry;
	if (rdma_connect(c->id, &p)) {
		printf("login error rdma_connect: %s\n", strerror(errno));
		return 1;
	}
	if (wait_cm(c->id, opt.timeout_ms, &e, rpd, &rlen)) {
		printf("login error timeout\n");
		return 1;
	}
	return login_answer(c, &e, rpd, rlen, sent_tag);
}

static bool all_disconnected(void)
{
	int i;

	for (i = 0; i < n_conns; i++)
		if (conns[i]->id && conns[i]->connected &&
		    !conns[i]->disconnected)
			return false;
	return true;
}

/* Disconnect every channel and wait (bounded) for the DISCONNECTED events. */
static void disconnect_all(void)
{
	u64 end = now_us() + 3000000;
	int i;

	for (i = 0; i < n_conns; i++) {
		struct conn *c = conns[i];

		dbg("disconnecting channel %d", c->idx);
		if (c->id && c->connected && !c->disconnected)
			rdma_disconnect(c->id);
	}
	while (!all_disconnected() && now_us() < end)
		pump((int)((end - now_us()) / 1000) + 1);
}

/* Free a channel (after disconnect_all()). */
static void conn_close(struct conn *c)
{
	dbg("channel %d: %s", c->idx, c->disconnected ? "disconnected" : "not disconnected");
	if (c->qp)
		rdma_destroy_qp(c->id);
	c->qp = NULL;
	if (c->dmr)
		ibv_dereg_mr(c->dmr);
	if (c->smr)
		ibv_dereg_mr(c->smr);
	if (c->rmr)
		ibv_dereg_mr(c->rmr);
	c->dmr = c->smr = c->rmr = NULL;
	if (c->cq)
		ibv_destroy_cq(c->cq);
	c->cq = NULL;
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	c->pd = NULL;
	if (c->id)
		rdma_destroy_id(c->id);
	c->id = NULL;
	dbg("channel %d closed", c->idx);
}

static struct conn *conn_new(void)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		die("out of memory");
	c->nr_recv = opt.nr_recv;
	c->recv_size = opt.recv_size;
	c->nr_slots = opt.nr_slots;
	c->slot_size = opt.slot_size;
	c->data_size = opt.data_size;
	c->next_tag = 1;
	return c;
}

/* A free send slot, waiting up to @tmo_ms; -1 if none. */
static int get_slot(struct conn *c, int tmo_ms)
{
	u64 end = now_us() + (u64)tmo_ms * 1000;

	while (!c->n_free) {
		s64 left = (s64)end - (s64)now_us();

		if (left <= 0)
			return -1;
		pump((int)(left / 1000) + 1);
	}
	return (int)c->free_slot[--c->n_free];
}

static int post_slot(struct conn *c, u32 slot, u32 len)
{
	struct ibv_sge sge = {
		.addr	= (uintptr_t)(c->sbuf + (size_t)slot * c->slot_size),
		.length	= len,
		.lkey	= c->smr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id		= slot,
		.sg_list	= &sge,
		.num_sge	= len ? 1 : 0,
		.opcode		= IBV_WR_SEND,
		.send_flags	= IBV_SEND_SIGNALED,
	}, *bad;
	int ret;

	if (opt.dump_iu)
		dump_bytes("iu", c->idx, c->sbuf + (size_t)slot * c->slot_size,
			   len);
	ret = ibv_post_send(c->qp, &wr, &bad);
	if (ret)
		c->free_slot[c->n_free++] = slot;
	return ret;
}

/* Does an I->T IU with this first byte use a credit?  (Not CRED/AER_RSP.) */
static bool uses_credit(const u8 *iu, u32 len)
{
	return !(len && (iu[0] == SRPT_OP_CRED_RSP || iu[0] == SRPT_OP_AER_RSP));
}

/*
 * Send @len bytes from @iu.  Credits are checked and taken here.  Returns 0,
 * or prints why not and returns -1.
 */
static int send_iu(struct conn *c, const u8 *iu, u32 len, u64 tag)
{
	bool credit = uses_credit(iu, len);
	int slot, ret;

	if (len > c->slot_size)
		die("IU of %u bytes exceeds the send slot size %u (use --slot-size)",
		    len, c->slot_size);
	if (credit && c->credits <= 0 && !opt.ignore_credits) {
		printf("refused tag=%" PRIu64 " credits=%ld\n", tag, c->credits);
		return -1;
	}
	slot = get_slot(c, opt.timeout_ms);
	if (slot < 0) {
		printf("send-stall tag=%" PRIu64 "\n", tag);
		return -1;
	}
	memcpy(c->sbuf + (size_t)slot * c->slot_size, iu, len);
	ret = post_slot(c, (u32)slot, len);
	if (ret) {
		printf("post-error tag=%" PRIu64 " errno=%d\n", tag, ret);
		return -1;
	}
	if (credit)
		c->credits--;
	return 0;
}

static int send_cred_rsp(struct conn *c, const u8 *req, u32 len)
{
	u8 iu[SRPT_CRED_RSP_LEN] = { SRPT_OP_CRED_RSP };

	(void)len;
	memcpy(iu + 8, req + 8, 8);
	if (!c->n_free)
		return -1;
	{
		u32 slot = c->free_slot[--c->n_free];

		memcpy(c->sbuf + (size_t)slot * c->slot_size, iu, sizeof(iu));
		return post_slot(c, slot, sizeof(iu));
	}
}

/* ------------------------------- printing -------------------------------- */

static void fmt_sense(char *out, size_t n, const u8 *s, u32 len)
{
	if (len >= 14 && (s[0] & 0x7e) == 0x70)
		snprintf(out, n, "%x/%02x/%02x", s[2] & 0xf, s[12], s[13]);
	else if (len >= 4 && (s[0] & 0x7e) == 0x72)
		snprintf(out, n, "%x/%02x/%02x", s[1] & 0xf, s[2], s[3]);
	else
		snprintf(out, n, "?");
}

static void print_iu(const u8 *b, u32 len)
{
	if (!len) {
		printf("iu len=0\n");
		return;
	}
	switch (b[0]) {
	case SRPT_OP_RSP: {
		char sense[32] = "-", code[8] = "-";
		u8 flags;
		u32 sl, rl;

		if (len < SRPT_RSP_LEN) {
			printf("iu opcode=0x%02x len=%u short\n", b[0], len);
			return;
		}
		flags = b[18];
		sl = srpt_get_be32(b + 28);
		rl = srpt_get_be32(b + 32);
		if ((flags & SRPT_RSP_FLAG_RSPVALID) && rl >= 4 &&
		    SRPT_RSP_LEN + 4 <= len)
			snprintf(code, sizeof(code), "0x%02x", b[SRPT_RSP_LEN + 3]);
		if (flags & SRPT_RSP_FLAG_SNSVALID) {
			u32 off = SRPT_RSP_LEN +
				  ((flags & SRPT_RSP_FLAG_RSPVALID) ? rl : 0);

			if (off <= len)
				fmt_sense(sense, sizeof(sense), b + off,
					  sl < len - off ? sl : len - off);
		}
		printf("rsp tag=%" PRIu64 " status=0x%02x flags=0x%02x req_lim_delta=%u sense=%s resp_code=%s di_resid=%u do_resid=%u\n",
		       srpt_get_be64(b + 8), b[19], flags, srpt_get_be32(b + 4),
		       sense, code, srpt_get_be32(b + 24),
		       srpt_get_be32(b + 20));
		return;
	}
	case SRPT_OP_T_LOGOUT:
		if (len < SRPT_T_LOGOUT_LEN)
			break;
		printf("t_logout tag=%" PRIu64 " reason=0x%08x\n",
		       srpt_get_be64(b + 8), srpt_get_be32(b + 4));
		return;
	case SRPT_OP_CRED_REQ:
		if (len < 16)
			break;
		printf("cred_req tag=%" PRIu64 " req_lim_delta=%u\n",
		       srpt_get_be64(b + 8), srpt_get_be32(b + 4));
		return;
	case SRPT_OP_AER_REQ: {
		char sense[32] = "-";
		u32 sl;

		if (len < 36)
			break;
		sl = srpt_get_be32(b + 28);
		if (sl)
			fmt_sense(sense, sizeof(sense), b + 36,
				  sl < len - 36 ? sl : len - 36);
		printf("aer_req tag=%" PRIu64 " req_lim_delta=%u lun=0x%016" PRIx64 " sense=%s\n",
		       srpt_get_be64(b + 8), srpt_get_be32(b + 4),
		       srpt_get_be64(b + 20), sense);
		return;
	}
	default:
		break;
	}
	printf("iu opcode=0x%02x len=%u\n", b[0], len);
}

static void print_ev(const struct ev *e)
{
	switch (e->type) {
	case EV_IU:
		print_iu(e->data, e->len);
		break;
	case EV_WC_ERR:
		printf("wc-error op=%s status=%s\n", e->op ? "recv" : "send",
		       wc_status_name(e->status));
		break;
	case EV_DISC:
		printf("disconnected\n");
		break;
	}
}

/* ------------------------------ script steps ----------------------------- */

struct tok {
	char *k;
	char *v;	/* NULL for a bare word */
};

struct step {
	const char *text;
	struct tok t[MAX_TOKS];
	int n;
	bool *used;
};

static int split(char *s, struct tok *t, int max)
{
	int n = 0;
	char *save = NULL, *w;

	for (w = strtok_r(s, " \t\r\n", &save); w;
	     w = strtok_r(NULL, " \t\r\n", &save)) {
		char *eq = strchr(w, '=');

		if (n >= max)
			die("too many words in a step");
		t[n].k = w;
		t[n].v = NULL;
		if (eq && n) {
			*eq = '\0';
			t[n].v = eq + 1;
		}
		n++;
	}
	return n;
}

static const char *get(struct step *st, const char *k)
{
	int i;

	for (i = 1; i < st->n; i++)
		if (st->t[i].v && !strcmp(st->t[i].k, k)) {
			st->used[i] = true;
			return st->t[i].v;
		}
	return NULL;
}

/* The first unused bare word, or NULL. */
static const char *bare(struct step *st)
{
	int i;

	for (i = 1; i < st->n; i++)
		if (!st->t[i].v && !st->used[i]) {
			st->used[i] = true;
			return st->t[i].k;
		}
	return NULL;
}

static u64 getnum(struct step *st, const char *k, u64 def, u64 max)
{
	const char *v = get(st, k);

	return v ? num(k, v, max) : def;
}

static void check_used(struct step *st)
{
	int i;

	for (i = 1; i < st->n; i++)
		if (!st->used[i])
			die("step '%s': unknown word '%s'", st->text, st->t[i].k);
}

static void put_lun(struct step *st, u8 *lun)
{
	const char *raw = get(st, "lunraw");
	u64 l;

	if (raw) {
		if (parse_hex("lunraw", raw, lun, 8) != 8)
			die("lunraw must be 8 bytes");
		return;
	}
	l = getnum(st, "lun", 0, 16383);
	memset(lun, 0, 8);
	if (l < 256) {
		lun[1] = (u8)l;
	} else {
		lun[0] = 0x40 | (u8)(l >> 8);
		lun[1] = (u8)l;
	}
}

static u64 step_timeout(struct step *st)
{
	return getnum(st, "t", (u64)opt.timeout_ms, 3600000);
}

/* CDB: hex bytes or a shortcut; sets *dlen and *dir for shortcuts. */
static u32 parse_cdb(const char *s, u8 *cdb, u32 max, u64 *dlen, int *dir)
{
	char buf[128], *f[4] = { 0 }, *save = NULL;
	u64 lba = 0, n = 0;
	u32 bs = opt.block_size;
	int nf = 0;

	snprintf(buf, sizeof(buf), "%s", s);
	for (f[0] = strtok_r(buf, ":", &save); f[nf] && nf < 3;)
		f[++nf] = strtok_r(NULL, ":", &save);
	if (nf >= 2)
		lba = num("lba", f[1], UINT64_MAX);
	if (nf >= 3)
		n = num("blocks", f[2], UINT32_MAX);
	memset(cdb, 0, max);
	if (!strcmp(f[0], "tur")) {
		return 6;
	} else if (!strcmp(f[0], "inquiry") || !strcmp(f[0], "inq")) {
		u64 al = nf >= 2 ? lba : 96;

		cdb[0] = 0x12;
		srpt_put_be16(cdb + 3, (u16)al);
		*dlen = al;
		*dir = SRPT_DIR_READ;
		return 6;
	} else if (!strcmp(f[0], "readcap")) {
		cdb[0] = 0x25;
		*dlen = 8;
		*dir = SRPT_DIR_READ;
		return 10;
	} else if (!strcmp(f[0], "reportluns")) {
		cdb[0] = 0xa0;
		srpt_put_be32(cdb + 6, 4096);
		*dlen = 4096;
		*dir = SRPT_DIR_READ;
		return 12;
	} else if (!strcmp(f[0], "read10") || !strcmp(f[0], "write10")) {
		cdb[0] = f[0][0] == 'r' ? 0x28 : 0x2a;
		srpt_put_be32(cdb + 2, (u32)lba);
		srpt_put_be16(cdb + 7, (u16)n);
		*dlen = n * bs;
		*dir = f[0][0] == 'r' ? SRPT_DIR_READ : SRPT_DIR_WRITE;
		return 10;
	} else if (!strcmp(f[0], "read16") || !strcmp(f[0], "write16")) {
		cdb[0] = f[0][0] == 'r' ? 0x88 : 0x8a;
		srpt_put_be64(cdb + 2, lba);
		srpt_put_be32(cdb + 10, (u32)n);
		*dlen = n * bs;
		*dir = f[0][0] == 'r' ? SRPT_DIR_READ : SRPT_DIR_WRITE;
		return 16;
	}
	return (u32)parse_hex("cdb", s, cdb, max);
}

struct desc {
	u64 va;
	u32 key;
	u32 len;
};

/*
 * What the keys of one cmd step ask for.  cmd_read_*() fill it in a fixed
 * order (of several bad keys, the first read is the one reported) and read
 * the keys of one format only for that format (check_used() calls them
 * unknown words otherwise); cmd_build_iu() turns it into the IU and cannot
 * fail.
 */
struct cmd_keys {
	u8 cdb[260];
	u32 cdb_len;
	u32 add_cdb;		/* additional CDB bytes in the IU */
	u8 lun[8];
	int dir;		/* SRPT_DIR_* */
	u64 dlen;		/* of in, out, imm or the CDB shortcut */
	bool have_imm;
	u64 imm_len;
	u64 off;		/* of the data in the data buffer */
	struct desc *d;		/* the descriptors, MAX_DESC of room */
	u32 nd;
	int fmt;		/* SRPT_DESC_* or the raw number */
	u8 sol, attr, add_cdb_len;
	u32 inlist;		/* indirect: descriptors in the IU */
	u64 toff, tva;		/* indirect: the table in the data buffer */
	u32 tkey, tlen, total;
	u64 ioff;		/* immediate data: where it goes in the IU */
	u32 immhdr;
	int bf, docnt, dicnt;	/* raw bytes; -1: not given */
	bool len_set;
	u32 len;
	u64 tag, rep;
};

/* Where the descriptors start: after the header and additional CDB. */
static u32 cmd_hdr_len(const struct cmd_keys *k)
{
	return SRPT_CMD_LEN + k->add_cdb;
}

/* A byte that overrides what the IU would have, or -1 if not given. */
static int get_byte(struct step *st, const char *key)
{
	const char *v = get(st, key);

	return v ? (int)num(key, v, 255) : -1;
}

/* cdb, lun/lunraw, in, out, imm, off. */
static void cmd_read_data(struct step *st, struct cmd_keys *k)
{
	const char *v;

	v = get(st, "cdb");
	if (v)
		k->cdb_len = parse_cdb(v, k->cdb, sizeof(k->cdb), &k->dlen,
				       &k->dir);
	put_lun(st, k->lun);
	if ((v = get(st, "in"))) {
		k->dir = SRPT_DIR_READ;
		k->dlen = num("in", v, UINT32_MAX);
	}
	if ((v = get(st, "out"))) {
		k->dir = SRPT_DIR_WRITE;
		k->dlen = num("out", v, UINT32_MAX);
	}
	k->have_imm = (v = get(st, "imm")) != NULL;
	if (k->have_imm) {
		k->dir = SRPT_DIR_WRITE;
		k->imm_len = num("imm", v, UINT32_MAX);
		k->dlen = k->imm_len;
	}
	k->off = getnum(st, "off", 0, UINT64_MAX);
}

static struct desc *next_desc(struct cmd_keys *k)
{
	if (k->nd >= MAX_DESC)
		die("too many descriptors");
	return &k->d[k->nd++];
}

/* desc=VA:KEY:LEN,...: raw descriptors. */
static void cmd_descs_raw(const char *v, struct cmd_keys *k)
{
	char buf[8192], *save = NULL, *w;

	snprintf(buf, sizeof(buf), "%s", v);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		char *a = w, *b = strchr(a, ':'), *l;
		struct desc *d;

		if (!b || !(l = strchr(b + 1, ':')))
			die("desc=VA:KEY:LEN[,...]");
		*b++ = '\0';
		*l++ = '\0';
		d = next_desc(k);
		d->va = num("desc va", a, UINT64_MAX);
		d->key = (u32)num("desc key", b, UINT32_MAX);
		d->len = (u32)num("desc len", l, UINT32_MAX);
	}
}

/* dlen=L1,L2,...: descriptors of these lengths, one after another at off. */
static void cmd_descs_lens(struct conn *c, const char *v,
			   struct cmd_keys *k)
{
	char buf[8192], *save = NULL, *w;
	u64 va = (uintptr_t)c->data + k->off;

	snprintf(buf, sizeof(buf), "%s", v);
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct desc *d = next_desc(k);

		d->va = va;
		d->key = c->dmr ? c->dmr->rkey : 0;
		d->len = (u32)num("dlen", w, UINT32_MAX);
		va += d->len;
	}
	if (k->dir == SRPT_DIR_NONE)
		k->dir = SRPT_DIR_READ;
}

/* [ndesc=N]: the data length at off split into N descriptors. */
static void cmd_descs_split(struct conn *c, struct step *st,
			    struct cmd_keys *k)
{
	u64 va = (uintptr_t)c->data + k->off, i, ndesc;

	ndesc = getnum(st, "ndesc", 1, MAX_DESC);
	if (!ndesc)
		die("ndesc=0");
	if (k->dlen + k->off > c->data_size - TABLE_AREA && !get(st, "key"))
		die("data (%" PRIu64 " bytes at %" PRIu64 ") does not fit the %" PRIu64 "-byte buffer (use --data-size)",
		    k->dlen, k->off, c->data_size - TABLE_AREA);
	for (i = 0; i < ndesc; i++) {
		u64 l = k->dlen / ndesc + (i == ndesc - 1 ? k->dlen % ndesc : 0);
		struct desc *d = next_desc(k);

		d->va = va;
		d->key = c->dmr ? c->dmr->rkey : 0;
		d->len = (u32)l;
		va += l;
	}
}

/* The descriptors: desc=, dlen= or the data split by ndesc=; then key=. */
static void cmd_read_descs(struct conn *c, struct step *st,
			   struct cmd_keys *k)
{
	const char *v;
	u32 i;

	if ((v = get(st, "desc")))
		cmd_descs_raw(v, k);
	else if ((v = get(st, "dlen")))
		cmd_descs_lens(c, v, k);
	else if (k->dir != SRPT_DIR_NONE && !k->have_imm)
		cmd_descs_split(c, st, k);
	if ((v = get(st, "key")))
		for (i = 0; i < k->nd; i++)
			k->d[i].key = (u32)num("key", v, UINT32_MAX);
}

/* dir= and fmt= (by default what the descriptors suggest). */
static void cmd_read_format(struct step *st, struct cmd_keys *k)
{
	const char *v;

	if ((v = get(st, "dir"))) {
		if (!strcmp(v, "in"))
			k->dir = SRPT_DIR_READ;
		else if (!strcmp(v, "out"))
			k->dir = SRPT_DIR_WRITE;
		else
			k->dir = SRPT_DIR_NONE;
	}
	v = get(st, "fmt");
	if (!v)
		k->fmt = k->have_imm ? SRPT_DESC_IMM : !k->nd ? SRPT_DESC_NONE :
			 k->nd > 1 ? SRPT_DESC_INDIRECT : SRPT_DESC_DIRECT;
	else if (!strcmp(v, "none"))
		k->fmt = SRPT_DESC_NONE;
	else if (!strcmp(v, "direct"))
		k->fmt = SRPT_DESC_DIRECT;
	else if (!strcmp(v, "indirect"))
		k->fmt = SRPT_DESC_INDIRECT;
	else if (!strcmp(v, "imm"))
		k->fmt = SRPT_DESC_IMM;
	else
		k->fmt = (int)num("fmt", v, 15);
}

/* Indirect: toff, tva, tkey, tlen, total (inlist is read before). */
static void cmd_read_indirect(struct conn *c, struct step *st,
			      struct cmd_keys *k, u32 iu_size)
{
	u32 total = 0, i;

	k->toff = getnum(st, "toff", c->data_size - TABLE_AREA,
			 c->data_size - 16);
	if ((u64)k->nd * 16 > c->data_size - k->toff)
		die("descriptor table does not fit at toff=%" PRIu64, k->toff);
	for (i = 0; i < k->nd; i++)
		total += k->d[i].len;	/* wraps like a u32 on the wire */
	k->tva = getnum(st, "tva", (uintptr_t)(c->data + k->toff), UINT64_MAX);
	k->tkey = (u32)getnum(st, "tkey", c->dmr ? c->dmr->rkey : 0,
			      UINT32_MAX);
	k->tlen = (u32)getnum(st, "tlen", k->nd * 16, UINT32_MAX);
	k->total = (u32)getnum(st, "total", total, UINT32_MAX);
	if (k->inlist > k->nd)
		die("inlist > number of descriptors");
	if (cmd_hdr_len(k) + SRPT_INDIRECT_HDR_LEN + k->inlist * 16 > iu_size)
		die("IU too long");
}

/* Immediate data: immoff, immhdr. */
static void cmd_read_imm(struct conn *c, struct step *st, struct cmd_keys *k,
			 u32 iu_size)
{
	k->ioff = getnum(st, "immoff", opt.imm_offset, 65535);
	k->immhdr = (u32)getnum(st, "immhdr", k->imm_len, UINT32_MAX);
	if (k->ioff + k->imm_len > iu_size ||
	    k->off + k->imm_len > c->data_size)
		die("immediate data does not fit");
}

/* The keys of the IU's layout: header bytes, format keys, overrides. */
static void cmd_read_layout(struct conn *c, struct step *st,
			    struct cmd_keys *k, u32 iu_size)
{
	const char *v;

	k->sol = (u8)getnum(st, "sol", 0, 255);
	k->attr = (u8)getnum(st, "attr", 0, 255);
	k->add_cdb = k->cdb_len > 16 ? (k->cdb_len - 16 + 3) & ~3u : 0;
	if (k->add_cdb > 252)
		die("CDB longer than 268 bytes");
	k->add_cdb_len = (u8)getnum(st, "add_cdb", k->add_cdb, 255);
	k->inlist = (u32)getnum(st, "inlist", k->nd, MAX_DESC);
	if (k->fmt == SRPT_DESC_INDIRECT)
		cmd_read_indirect(c, st, k, iu_size);
	else if (k->fmt == SRPT_DESC_IMM)
		cmd_read_imm(c, st, k, iu_size);
	k->bf = get_byte(st, "bf");
	k->docnt = get_byte(st, "docnt");
	k->dicnt = get_byte(st, "dicnt");
	k->len_set = (v = get(st, "len")) != NULL;
	if (k->len_set)
		k->len = (u32)num("len", v, iu_size);
	k->tag = getnum(st, "tag", c->next_tag, UINT64_MAX);
	k->rep = getnum(st, "rep", 1, 1000000);
}

static void put_desc(u8 *p, const struct desc *d)
{
	srpt_put_be64(p, d->va);
	srpt_put_be32(p + 8, d->key);
	srpt_put_be32(p + 12, d->len);
}

/*
 * Indirect: the table into the data buffer, its header and the first
 * inlist descriptors into the IU at @pos; returns the new end.
 */
static u32 cmd_put_indirect(struct conn *c, const struct cmd_keys *k, u8 *iu,
			    u32 pos)
{
	u8 *table = c->data + k->toff;
	u32 i;

	for (i = 0; i < k->nd; i++)
		put_desc(table + i * 16, &k->d[i]);
	srpt_put_be64(iu + pos, k->tva);
	srpt_put_be32(iu + pos + 8, k->tkey);
	srpt_put_be32(iu + pos + 12, k->tlen);
	srpt_put_be32(iu + pos + 16, k->total);
	pos += SRPT_INDIRECT_HDR_LEN;
	memcpy(iu + pos, table, k->inlist * 16);
	pos += k->inlist * 16;
	if (k->dir == SRPT_DIR_WRITE)
		iu[6] = (u8)k->inlist;
	else
		iu[7] = (u8)k->inlist;
	return pos;
}

/* Immediate data: the length field at @pos, the data at ioff. */
static u32 cmd_put_imm(struct conn *c, const struct cmd_keys *k, u8 *iu,
		       u32 pos)
{
	srpt_put_be32(iu + pos, k->immhdr);
	pos += SRPT_IMM_HDR_LEN;
	memcpy(iu + k->ioff, c->data + k->off, k->imm_len);
	if (k->ioff + k->imm_len > pos)
		pos = (u32)(k->ioff + k->imm_len);
	return pos;
}

/* The SRP_CMD (without its tag) into @iu; returns its length. */
static u32 cmd_build_iu(struct conn *c, const struct cmd_keys *k, u8 *iu,
			u32 iu_size)
{
	u32 pos = cmd_hdr_len(k);

	memset(iu, 0, iu_size);
	iu[0] = SRPT_OP_CMD;
	iu[1] = k->sol;
	memcpy(iu + 20, k->lun, 8);
	iu[29] = k->attr;
	memcpy(iu + 32, k->cdb, 16);
	memcpy(iu + 48, k->cdb + 16, k->add_cdb);
	iu[31] = k->add_cdb_len;
	if (k->dir == SRPT_DIR_WRITE)
		iu[5] = (u8)(k->fmt << 4);
	else if (k->dir == SRPT_DIR_READ)
		iu[5] = (u8)k->fmt;
	switch (k->fmt) {
	case SRPT_DESC_DIRECT:
		if (k->nd)
			put_desc(iu + pos, &k->d[0]);
		pos += SRPT_DIRECT_DESC_LEN;
		break;
	case SRPT_DESC_INDIRECT:
		pos = cmd_put_indirect(c, k, iu, pos);
		break;
	case SRPT_DESC_IMM:
		pos = cmd_put_imm(c, k, iu, pos);
		break;
	default:
		break;
	}
	if (k->bf >= 0)
		iu[5] = (u8)k->bf;
	if (k->docnt >= 0)
		iu[6] = (u8)k->docnt;
	if (k->dicnt >= 0)
		iu[7] = (u8)k->dicnt;
	return k->len_set ? k->len : pos;
}

/*
 * Send @rep copies of @iu with the tags @tag, @tag + 1, ... (bytes 8-15),
 * stopping at the first that cannot be sent; the tag counter moves past.
 */
static void send_tagged(struct conn *c, u8 *iu, u32 len, u64 tag, u64 rep)
{
	u64 i;

	for (i = 0; i < rep; i++) {
		srpt_put_be64(iu + 8, tag + i);
		if (send_iu(c, iu, len, tag + i))
			break;
	}
	if (tag + rep > c->next_tag)
		c->next_tag = tag + rep;
}

/*
 * cmd: build SRP_CMD IUs.  See tools/README.md for every key.
 */
static void step_cmd(struct conn *c, struct step *st)
{
	static struct desc d[MAX_DESC];
	static u8 iu[1 << 17];
	struct cmd_keys k = { .dir = SRPT_DIR_NONE, .d = d };
	u32 len;

	cmd_read_data(st, &k);
	cmd_read_descs(c, st, &k);
	cmd_read_format(st, &k);
	cmd_read_layout(c, st, &k, sizeof(iu));
	check_used(st);
	len = cmd_build_iu(c, &k, iu, sizeof(iu));
	send_tagged(c, iu, len, k.tag, k.rep);
}

static const struct {
	const char *name;
	u8 fn;
} tmf_names[] = {
	{ "abort", SRPT_TSK_ABORT_TASK },
	{ "abort_set", SRPT_TSK_ABORT_TASK_SET },
	{ "clear_set", SRPT_TSK_CLEAR_TASK_SET },
	{ "lun_reset", SRPT_TSK_LUN_RESET },
	{ "clear_aca", SRPT_TSK_CLEAR_ACA },
};

static void step_tmf(struct conn *c, struct step *st)
{
	u8 iu[SRPT_TSK_MGMT_LEN + 64] = { 0 };
	const char *fn = get(st, "fn");
	u64 tag, rep;
	u32 len;
	size_t k;
	int f = -1;

	if (!fn)
		die("tmf needs fn=abort|abort_set|clear_set|lun_reset|clear_aca|N");
	for (k = 0; k < sizeof(tmf_names) / sizeof(tmf_names[0]); k++)
		if (!strcmp(fn, tmf_names[k].name))
			f = tmf_names[k].fn;
	if (f < 0)
		f = (int)num("fn", fn, 255);
	iu[0] = SRPT_OP_TSK_MGMT;
	iu[1] = (u8)getnum(st, "sol", 0, 255);
	put_lun(st, iu + 20);
	iu[30] = (u8)f;
	srpt_put_be64(iu + 32, getnum(st, "task", 0, UINT64_MAX));
	len = (u32)getnum(st, "len", SRPT_TSK_MGMT_LEN, sizeof(iu));
	tag = getnum(st, "tag", c->next_tag, UINT64_MAX);
	rep = getnum(st, "rep", 1, 1000000);
	check_used(st);
	send_tagged(c, iu, len, tag, rep);
}

static void step_logout(struct conn *c, struct step *st)
{
	u8 iu[64] = { SRPT_OP_I_LOGOUT };
	u64 tag = getnum(st, "tag", c->next_tag, UINT64_MAX);
	u32 len = (u32)getnum(st, "len", SRPT_I_LOGOUT_LEN, sizeof(iu));

	check_used(st);
	srpt_put_be64(iu + 8, tag);
	send_iu(c, iu, len, tag);
	if (tag + 1 > c->next_tag)
		c->next_tag = tag + 1;
}

static void step_raw(struct conn *c, struct step *st)
{
	static u8 iu[1 << 17];
	const char *hex = bare(st);
	u64 rep, i;
	u32 n = 0, len;

	memset(iu, 0, sizeof(iu));
	if (hex)
		n = (u32)parse_hex("raw", hex, iu, sizeof(iu));
	len = (u32)getnum(st, "len", n, sizeof(iu));
	rep = getnum(st, "rep", 1, 1000000);
	check_used(st);
	for (i = 0; i < rep; i++)
		if (send_iu(c, iu, len, len >= 16 ? srpt_get_be64(iu + 8) : 0))
			break;
}

/* await [N] [t=MS]: print events until N IUs arrived, or timeout. */
static void step_await(struct conn *c, struct step *st)
{
	const char *w = bare(st);
	u64 n = w ? num("await count", w, 1000000) : 1;
	u64 tmo = step_timeout(st), end, got = 0;

	check_used(st);
	end = now_us() + tmo * 1000;
	while (got < n) {
		struct ev *e = dequeue(c);

		if (e) {
			print_ev(e);
			got += e->type == EV_IU;
			if (e->type == EV_DISC) {
				free(e);
				return;
			}
			free(e);
			continue;
		}
		if (c->disconnected) {
			printf("disconnected\n");
			return;
		}
		if (now_us() >= end) {
			printf("timeout\n");
			return;
		}
		pump((int)((end - now_us()) / 1000) + 1);
	}
}

/* wait N [t=MS]: consume N IUs quietly, print one summary line. */
static void step_wait(struct conn *c, struct step *st)
{
	const char *w = bare(st);
	u64 n = w ? num("wait count", w, 10000000) : 1;
	u64 tmo = step_timeout(st), end, got = 0;
	u64 good = 0, check = 0, other = 0, tmf = 0, delta = 0, errs = 0;
	bool disc = false, timeout = false;

	check_used(st);
	end = now_us() + tmo * 1000;
	while (got < n) {
		struct ev *e = dequeue(c);

		if (!e) {
			if (c->disconnected) {
				disc = true;
				break;
			}
			if (now_us() >= end) {
				timeout = true;
				break;
			}
			pump((int)((end - now_us()) / 1000) + 1);
			continue;
		}
		if (e->type == EV_DISC) {
			disc = true;
			free(e);
			break;
		}
		if (e->type == EV_WC_ERR) {
			errs++;
			free(e);
			continue;
		}
		got++;
		if (e->len >= SRPT_RSP_LEN && e->data[0] == SRPT_OP_RSP) {
			delta += srpt_get_be32(e->data + 4);
			if (e->data[18] & SRPT_RSP_FLAG_RSPVALID)
				tmf++;
			else if (e->data[19] == 0)
				good++;
			else if (e->data[19] == 2)
				check++;
			else
				other++;
		} else {
			other++;
		}
		free(e);
	}
	printf("rsps n=%" PRIu64 " good=%" PRIu64 " check=%" PRIu64 " tmf=%" PRIu64 " other=%" PRIu64 " req_lim_delta=%" PRIu64 "%s%s%s\n",
	       got, good, check, tmf, other, delta,
	       errs ? " wc-errors" : "", timeout ? " timeout" : "",
	       disc ? " disconnected" : "");
}

/* drain t=MS: print whatever arrives within MS milliseconds. */
static void step_drain(struct conn *c, struct step *st)
{
	u64 tmo = step_timeout(st), end;

	check_used(st);
	end = now_us() + tmo * 1000;
	for (;;) {
		struct ev *e = dequeue(c);

		if (e) {
			print_ev(e);
			free(e);
			continue;
		}
		if (now_us() >= end)
			return;
		pump((int)((end - now_us()) / 1000) + 1);
	}
}

static void step_fill(struct conn *c, struct step *st)
{
	u64 off = getnum(st, "off", 0, c->data_size);
	u64 len = getnum(st, "len", c->data_size - off, c->data_size - off);
	const char *pat = get(st, "byte");
	u64 seed = getnum(st, "seed", 0, UINT64_MAX);
	u64 i;

	check_used(st);
	if (pat) {
		memset(c->data + off, (int)num("byte", pat, 255), len);
		return;
	}
	/* A pattern of 8-byte words (seed ^ word index), relative to off. */
	for (i = 0; i + 8 <= len; i += 8)
		srpt_put_be64(c->data + off + i, seed ^ (i / 8) ^
			      0x5352504953525049ull);
}

static void step_cmp(struct conn *c, struct step *st)
{
	u64 a = getnum(st, "a", 0, c->data_size);
	u64 b = getnum(st, "b", 0, c->data_size);
	u64 len = getnum(st, "len", 0, c->data_size), i;

	check_used(st);
	if (a + len > c->data_size || b + len > c->data_size)
		die("cmp past the buffer");
	for (i = 0; i < len; i++)
		if (c->data[a + i] != c->data[b + i]) {
			printf("cmp differ at=%" PRIu64 "\n", i);
			return;
		}
	printf("cmp ok len=%" PRIu64 "\n", len);
}

static void run_step(struct conn *c, const char *text)
{
	struct step st = { .text = text };
	bool used[MAX_TOKS] = { 0 };
	char *buf = strdup(text);
	const char *v;

	if (!buf)
		die("out of memory");
	st.used = used;
	st.n = split(buf, st.t, MAX_TOKS);
	if (!st.n || st.t[0].k[0] == '#') {
		free(buf);
		return;
	}
	v = st.t[0].k;
	dbg("step: %s", text);
	if (!strcmp(v, "cmd")) {
		step_cmd(c, &st);
	} else if (!strcmp(v, "tmf")) {
		step_tmf(c, &st);
	} else if (!strcmp(v, "logout")) {
		step_logout(c, &st);
	} else if (!strcmp(v, "raw")) {
		step_raw(c, &st);
	} else if (!strcmp(v, "await")) {
		step_await(c, &st);
	} else if (!strcmp(v, "wait")) {
		step_wait(c, &st);
	} else if (!strcmp(v, "drain")) {
		step_drain(c, &st);
	} else if (!strcmp(v, "sleep")) {
		const char *w = bare(&st);

		check_used(&st);
		sleep_ms((unsigned int)(w ? num("sleep", w, 3600000) : 1000));
	} else if (!strcmp(v, "credits")) {
		check_used(&st);
		pump(0);
		printf("credits %ld\n", c->credits);
	} else if (!strcmp(v, "norecv")) {
		check_used(&st);
		c->recv_stopped = true;
	} else if (!strcmp(v, "recv")) {
		const char *w = bare(&st);

		check_used(&st);
		c->recv_stopped = false;
		post_recvs(c, w ? (u32)num("recv", w, UINT32_MAX) : UINT32_MAX);
	} else if (!strcmp(v, "qp-error")) {
		struct ibv_qp_attr a = { .qp_state = IBV_QPS_ERR };

		check_used(&st);
		if (ibv_modify_qp(c->qp, &a, IBV_QP_STATE))
			printf("qp-error failed errno=%d\n", errno);
	} else if (!strcmp(v, "disconnect")) {
		check_used(&st);
		if (rdma_disconnect(c->id))
			dbg("rdma_disconnect: %s", strerror(errno));
	} else if (!strcmp(v, "dereg")) {
		check_used(&st);
		if (c->dmr && ibv_dereg_mr(c->dmr))
			die("ibv_dereg_mr: %s", strerror(errno));
		c->dmr = NULL;
	} else if (!strcmp(v, "fill")) {
		step_fill(c, &st);
	} else if (!strcmp(v, "cmp")) {
		step_cmp(c, &st);
	} else if (!strcmp(v, "echo")) {
		printf("%s\n", text + 4 + strspn(text + 4, " \t"));
	} else {
		die("unknown step '%s'", v);
	}
	fflush(stdout);
	free(buf);
}

/* --------------------------------- load ---------------------------------- */

struct lcmd {
	u64 t0;
	bool busy;
};

static struct {
	bool rand, mixed, write;
	u64 nblocks;		/* LUN capacity in units of bs */
	u64 end_us;
	bool stopping;
	u64 ios, errors, bytes;
	u32 *lat;
	size_t n_lat, cap_lat;
	u32 blk;		/* LUN block size */
	bool readcap_done;
	u8 readcap[8];
	bool readcap_ok;
} ld;

static void lat_add(u64 us)
{
	if (ld.n_lat == ld.cap_lat) {
		ld.cap_lat = ld.cap_lat ? 2 * ld.cap_lat : 65536;
		ld.lat = realloc(ld.lat, ld.cap_lat * sizeof(*ld.lat));
		if (!ld.lat)
			die("out of memory");
	}
	ld.lat[ld.n_lat++] = us > UINT32_MAX ? UINT32_MAX : (u32)us;
}

static int load_issue(struct conn *c, u32 i)
{
	u8 iu[SRPT_CMD_LEN + SRPT_DIRECT_DESC_LEN] = { 0 };
	bool write = ld.mixed ? (u32)(rand() % 100) >= opt.mix : ld.write;
	u64 blk, lba;
	u32 nlb = opt.bs / ld.blk;
	int slot;

	if (ld.rand)
		blk = ((u64)rand() << 31 ^ (u64)rand()) % ld.nblocks;
	else
		blk = c->seq_lba++ % ld.nblocks;
	lba = blk * nlb;
	iu[0] = SRPT_OP_CMD;
	iu[5] = write ? SRPT_DESC_DIRECT << 4 : SRPT_DESC_DIRECT;
	srpt_put_be64(iu + 8, i);
	iu[21] = (u8)opt.lun;	/* peripheral addressing, LUN < 256 */
	if (lba + nlb > UINT32_MAX) {
		iu[32] = write ? 0x8a : 0x88;
		srpt_put_be64(iu + 34, lba);
		srpt_put_be32(iu + 42, nlb);
	} else {
		iu[32] = write ? 0x2a : 0x28;
		srpt_put_be32(iu + 34, (u32)lba);
		srpt_put_be16(iu + 39, (u16)nlb);
	}
	srpt_put_be64(iu + 48, (uintptr_t)c->data + (u64)i * opt.bs);
	srpt_put_be32(iu + 56, c->dmr->rkey);
	srpt_put_be32(iu + 60, opt.bs);
	if (c->credits <= 0 || !c->n_free)
		return -1;
	slot = (int)c->free_slot[--c->n_free];
	memcpy(c->sbuf + (size_t)slot * c->slot_size, iu, sizeof(iu));
	if (post_slot(c, (u32)slot, sizeof(iu)))
		return -1;
	c->credits--;
	c->lcmds[i].busy = true;
	c->lcmds[i].t0 = now_us();
	c->n_out++;
	return 0;
}

static void load_kick(struct conn *c)
{
	u32 i;

	if (ld.stopping || !c->connected || c->disconnected)
		return;
	for (i = 0; i < opt.qd; i++)
		if (!c->lcmds[i].busy && load_issue(c, i))
			break;
}

static void load_on_iu(struct conn *c, const u8 *b, u32 len)
{
	u64 tag;

	if (len < SRPT_RSP_LEN || b[0] != SRPT_OP_RSP) {
		if (len >= 16 && b[0] == SRPT_OP_CRED_REQ)
			send_cred_rsp(c, b, len);
		return;
	}
	tag = srpt_get_be64(b + 8);
	if (tag == 0xffffffffull) {	/* READ CAPACITY */
		ld.readcap_done = true;
		ld.readcap_ok = !b[19];
		memcpy(ld.readcap, c->data, 8);
		return;
	}
	if (tag >= opt.qd || !c->lcmds[tag].busy) {
		fprintf(stderr, "srpi: unexpected response tag %" PRIu64 "\n", tag);
		ld.errors++;
		return;
	}
	c->lcmds[tag].busy = false;
	c->n_out--;
	lat_add(now_us() - c->lcmds[tag].t0);
	ld.ios++;
	if (b[19] || (b[18] & (SRPT_RSP_FLAG_DIUNDER | SRPT_RSP_FLAG_DOUNDER |
			       SRPT_RSP_FLAG_DIOVER | SRPT_RSP_FLAG_DOOVER))) {
		if (ld.errors < 5) {
			fprintf(stderr, "srpi: channel %d: ", c->idx);
			print_iu(b, len);
		}
		ld.errors++;
	} else {
		ld.bytes += opt.bs;
	}
	if (now_us() >= ld.end_us)
		ld.stopping = true;
}

static void load_on_err(struct conn *c)
{
	(void)c;
	ld.errors++;
}

static int cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static u32 pct(double p)
{
	size_t i;

	if (!ld.n_lat)
		return 0;
	i = (size_t)(p / 100.0 * (double)ld.n_lat);
	if (i >= ld.n_lat)
		i = ld.n_lat - 1;
	return ld.lat[i];
}

/* --rw, --channels, --qd; the channel resources follow from them. */
static void load_config(void)
{
	if (!strcmp(opt.rw, "read") || !strcmp(opt.rw, "randread")) {
		ld.write = false;
	} else if (!strcmp(opt.rw, "write") || !strcmp(opt.rw, "randwrite")) {
		ld.write = true;
	} else if (!strcmp(opt.rw, "rw") || !strcmp(opt.rw, "randrw") ||
		   !strcmp(opt.rw, "mix")) {
		ld.mixed = true;
	} else {
		die("--rw read|write|randread|randwrite|rw|randrw");
	}
	ld.rand = !strncmp(opt.rw, "rand", 4) || !strcmp(opt.rw, "mix");
	if (!opt.channels || opt.channels > 64)
		die("--channels 1..64");
	if (opt.qd > 4096)
		die("--qd 0..4096");
	opt.nr_slots = opt.qd + 8;
	opt.nr_recv = opt.qd + 8;
	opt.data_size = (u64)opt.qd * opt.bs + TABLE_AREA;
	if (!opt.slot_size)
		opt.slot_size = 256;
	srand((unsigned int)now_us());
}

/* Log in --channels channels, SINGLE then MULTI: 0, or 1 if one failed. */
static int load_login(void)
{
	struct conn *c;
	u32 k;

	for (k = 0; k < opt.channels; k++) {
		c = conn_new();
		c->idx = (int)k;
		c->lcmds = calloc(opt.qd ? opt.qd : 1, sizeof(*c->lcmds));
		if (!c->lcmds)
			die("out of memory");
		if (conn_login(c, k ? SRPT_MULTICHAN_MULTI :
			       SRPT_MULTICHAN_SINGLE))
			return 1;
		fflush(stdout);
		if (c->credits < (long)opt.qd)
			fprintf(stderr, "srpi: channel %u: %ld credits < qd %u\n",
				k, c->credits, opt.qd);
	}
	return 0;
}

/* READ CAPACITY(10) on @c to learn the LUN size: 0, or 1 if it failed. */
static int load_read_capacity(struct conn *c)
{
	u8 iu[SRPT_CMD_LEN + SRPT_DIRECT_DESC_LEN] = { SRPT_OP_CMD };
	u64 end;

	iu[5] = SRPT_DESC_DIRECT;
	srpt_put_be64(iu + 8, 0xffffffffull);
	iu[21] = (u8)opt.lun;
	iu[32] = 0x25;
	srpt_put_be64(iu + 48, (uintptr_t)c->data);
	srpt_put_be32(iu + 56, c->dmr->rkey);
	srpt_put_be32(iu + 60, 8);
	if (send_iu(c, iu, sizeof(iu), 0xffffffffull))
		die("cannot send READ CAPACITY");
	end = now_us() + (u64)opt.timeout_ms * 1000;
	while (!ld.readcap_done && now_us() < end)
		pump(100);
	if (!ld.readcap_ok) {
		printf("load error READ CAPACITY failed\n");
		return 1;
	}
	ld.blk = srpt_get_be32(ld.readcap + 4);
	if (!ld.blk || opt.bs % ld.blk)
		die("block size %u of the LUN does not divide --bs %u",
		    ld.blk, opt.bs);
	ld.nblocks = ((u64)srpt_get_be32(ld.readcap) + 1) * ld.blk / opt.bs;
	if (!ld.nblocks)
		die("LUN smaller than --bs");
	return 0;
}

/*
 * Keep --qd commands in flight on every channel from @t0 for --time
 * seconds (or until every channel is gone), then let those in flight
 * finish (at most 10 s).
 */
static void load_loop(u64 t0)
{
	u64 end;
	u32 i;

	ld.end_us = t0 + (u64)(opt.time_s * 1e6);
	for (i = 0; i < (u32)n_conns; i++)
		load_kick(conns[i]);
	while (!ld.stopping) {
		bool alive = false;

		pump(100);
		if (now_us() >= ld.end_us)
			ld.stopping = true;
		for (i = 0; i < (u32)n_conns; i++) {
			load_kick(conns[i]);
			alive |= !conns[i]->disconnected;
		}
		if (!alive)
			break;
	}
	/* Let the commands in flight finish. */
	end = now_us() + 10000000;
	for (;;) {
		u32 out = 0;

		for (i = 0; i < (u32)n_conns; i++)
			if (!conns[i]->disconnected)
				out += conns[i]->n_out;
		if (!out || now_us() >= end)
			break;
		pump(100);
	}
}

/* The "load ..." line of a run of @secs seconds. */
static void load_report(double secs)
{
	qsort(ld.lat, ld.n_lat, sizeof(*ld.lat), cmp_u32);
	printf("load channels=%u qd=%u bs=%u rw=%s lun=%u time=%.1f ios=%" PRIu64 " errors=%" PRIu64 " iops=%.0f mib_s=%.2f lat_p50_us=%u lat_p90_us=%u lat_p99_us=%u lat_p99.9_us=%u\n",
	       opt.channels, opt.qd, opt.bs, opt.rw, opt.lun, secs, ld.ios,
	       ld.errors, (double)ld.ios / secs,
	       (double)ld.bytes / secs / (1 << 20), pct(50), pct(90), pct(99),
	       pct(99.9));
}

static int run_load(void)
{
	u64 t0;
	u32 i;
	int rc;

	load_config();
	rc = load_login();
	if (!rc)
		rc = load_read_capacity(conns[0]);
	if (!rc) {
		t0 = now_us();
		load_loop(t0);
		load_report((double)(now_us() - t0) / 1e6);
		if (ld.errors)
			rc = 1;
	}
	fflush(stdout);
	disconnect_all();
	for (i = (u32)n_conns; i-- > 0;)
		conn_close(conns[i]);
	return rc;
}

/* -------------------------------- main ----------------------------------- */

static void usage(FILE *f)
{
	fputs(
"usage: srpi [OPTIONS] [STEP...]            log in, run the steps\n"
"       srpi [OPTIONS] -f SCRIPT            steps from a file, one per line\n"
"       srpi load [OPTIONS]                 load generator\n"
"\n"
"connection:\n"
"  -d, --dest ADDR[:PORT]   target RDMA/CM address (default " DEF_DEST ")\n"
"  -s, --src ADDR           local address to bind\n"
"  -t, --timeout MS         per-step timeout (default 5000)\n"
"      --retry N            REQ retry_count (also the target's), default 7\n"
"      --rnr-retry N        REQ rnr_retry_count (used by the target), default 7\n"
"      --resp-res N         responder_resources (default 4)\n"
"      --init-depth N       initiator_depth (default 4)\n"
"      --nr-recv N          receive buffers (default 256)\n"
"      --post-recv N        receives posted before the login (default all)\n"
"      --recv-size N        bytes per receive buffer (default 4096)\n"
"      --slots N            send slots = max SENDs in flight (default 256)\n"
"      --slot-size N        bytes per send slot (default it_iu_len + 8 KiB)\n"
"      --data-size N        registered data buffer (default 1M; k/m/g)\n"
"      --block-size N       block size for cdb shortcuts (default 512)\n"
"      --ignore-credits     send even when the request limit is used up\n"
"      --show-flush         print flushed work completions too\n"
"      --no-cred-rsp        do not answer SRP_CRED_REQ\n"
"      --dump-iu            hex-dump every IU sent (and the login request) on stderr\n"
"  -v, --verbose            diagnostics on stderr\n"
"login request (RDMA/CM private data, srp_login_req_rdma):\n"
"      --opcode N           (default 0)\n"
"      --tag N              (default 0x5352504900000001)\n"
"      --it-iu-len N        req_it_iu_len (default 8276)\n"
"      --buf-fmt N          req_buf_fmt (default 0x6)\n"
"      --req-flags N        raw req_flags byte (overrides the two below)\n"
"      --multichan N        0 single, 1 multi, 2/3 reserved (default 0)\n"
"      --imm[=OFFSET]       request immediate data at OFFSET (default 68)\n"
"      --imm-offset N       imm_data_offset field without requesting\n"
"      --iport HEX32        initiator port ID (default: GID 0 of the port)\n"
"      --tport HEX32        target port ID (default: srpt_service_guid twice)\n"
"      --service-guid HEX   target port ID = this GUID twice\n"
"      --pdata HEX          raw private data instead of the built request\n"
"      --pdata-len N        send N bytes of private data (truncate/pad)\n"
"      --poke OFF=HEX       patch bytes of the private data\n"
"load (srpi load):\n"
"      --channels N         channels: 1 SINGLE login, then N-1 MULTI (default 1)\n"
"      --qd N               commands in flight per channel (default 32;\n"
"                           0: log in and hold the channels idle)\n"
"      --bs N               bytes per command (default 4096)\n"
"      --rw MODE            read|write|randread|randwrite|rw|randrw (default randread)\n"
"      --mix PCT            reads in percent for rw/randrw (default 50)\n"
"      --time S             duration in seconds (default 10)\n"
"      --lun N              LUN (default 0)\n"
"\n"
"steps: cmd tmf logout raw await wait drain sleep credits norecv recv\n"
"       qp-error disconnect dereg fill cmp echo   (see tools/README.md)\n", f);
}

enum {
	O_RETRY = 256, O_RNR, O_RESP, O_INIT, O_NRRECV, O_POSTRECV, O_RECVSZ,
	O_SLOTS, O_SLOTSZ, O_DATASZ, O_BLKSZ, O_IGNCRED, O_FLUSH, O_NOCRED,
	O_OPCODE, O_TAG, O_ITIU, O_BUFFMT, O_FLAGS, O_MC, O_IMM, O_IMMOFF,
	O_IPORT, O_TPORT, O_SGUID, O_PDATA, O_PDLEN, O_POKE, O_CH, O_QD, O_BS,
	O_RW, O_MIX, O_TIME, O_LUN, O_DUMP,
};

static const struct option long_opts[] = {
	{ "dest", required_argument, NULL, 'd' },
	{ "src", required_argument, NULL, 's' },
	{ "timeout", required_argument, NULL, 't' },
	{ "file", required_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "retry", required_argument, NULL, O_RETRY },
	{ "rnr-retry", required_argument, NULL, O_RNR },
	{ "resp-res", required_argument, NULL, O_RESP },
	{ "init-depth", required_argument, NULL, O_INIT },
	{ "nr-recv", required_argument, NULL, O_NRRECV },
	{ "post-recv", required_argument, NULL, O_POSTRECV },
	{ "recv-size", required_argument, NULL, O_RECVSZ },
	{ "slots", required_argument, NULL, O_SLOTS },
	{ "slot-size", required_argument, NULL, O_SLOTSZ },
	{ "data-size", required_argument, NULL, O_DATASZ },
	{ "block-size", required_argument, NULL, O_BLKSZ },
	{ "ignore-credits", no_argument, NULL, O_IGNCRED },
	{ "show-flush", no_argument, NULL, O_FLUSH },
	{ "no-cred-rsp", no_argument, NULL, O_NOCRED },
	{ "dump-iu", no_argument, NULL, O_DUMP },
	{ "opcode", required_argument, NULL, O_OPCODE },
	{ "tag", required_argument, NULL, O_TAG },
	{ "it-iu-len", required_argument, NULL, O_ITIU },
	{ "buf-fmt", required_argument, NULL, O_BUFFMT },
	{ "req-flags", required_argument, NULL, O_FLAGS },
	{ "multichan", required_argument, NULL, O_MC },
	{ "imm", optional_argument, NULL, O_IMM },
	{ "imm-offset", required_argument, NULL, O_IMMOFF },
	{ "iport", required_argument, NULL, O_IPORT },
	{ "tport", required_argument, NULL, O_TPORT },
	{ "service-guid", required_argument, NULL, O_SGUID },
	{ "pdata", required_argument, NULL, O_PDATA },
	{ "pdata-len", required_argument, NULL, O_PDLEN },
	{ "poke", required_argument, NULL, O_POKE },
	{ "channels", required_argument, NULL, O_CH },
	{ "qd", required_argument, NULL, O_QD },
	{ "bs", required_argument, NULL, O_BS },
	{ "rw", required_argument, NULL, O_RW },
	{ "mix", required_argument, NULL, O_MIX },
	{ "time", required_argument, NULL, O_TIME },
	{ "lun", required_argument, NULL, O_LUN },
	{ NULL, 0, NULL, 0 },
};

static void parse_opts(int argc, char **argv)
{
	int c;

	while ((c = getopt_long(argc, argv, "+d:s:t:f:vh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'd': opt.dest = optarg; break;
		case 's': opt.src = optarg; break;
		case 't': opt.timeout_ms = (int)num("--timeout", optarg, 3600000); break;
		case 'f': opt.script = optarg; break;
		case 'v': verbose++; break;
		case 'h': usage(stdout); exit(0);
		case O_RETRY: opt.retry = (int)num("--retry", optarg, 7); break;
		case O_RNR: opt.rnr_retry = (int)num("--rnr-retry", optarg, 7); break;
		case O_RESP: opt.resp_res = (int)num("--resp-res", optarg, 255); break;
		case O_INIT: opt.init_depth = (int)num("--init-depth", optarg, 255); break;
		case O_NRRECV: opt.nr_recv = (u32)num("--nr-recv", optarg, 65536); break;
		case O_POSTRECV: opt.post_recv = (u32)num("--post-recv", optarg, 65536); break;
		case O_RECVSZ: opt.recv_size = (u32)num("--recv-size", optarg, 1 << 20); break;
		case O_SLOTS: opt.nr_slots = (u32)num("--slots", optarg, 65536); break;
		case O_SLOTSZ: opt.slot_size = (u32)num("--slot-size", optarg, 1 << 17); break;
		case O_DATASZ: opt.data_size = num("--data-size", optarg, 1ull << 34); break;
		case O_BLKSZ: opt.block_size = (u32)num("--block-size", optarg, 1 << 20); break;
		case O_IGNCRED: opt.ignore_credits = true; break;
		case O_FLUSH: opt.show_flush = true; break;
		case O_NOCRED: opt.no_cred_rsp = true; break;
		case O_DUMP: opt.dump_iu = true; break;
		case O_OPCODE: opt.opcode = (int)num("--opcode", optarg, 255); break;
		case O_TAG: opt.tag = num("--tag", optarg, UINT64_MAX); break;
		case O_ITIU: opt.it_iu_len = (u32)num("--it-iu-len", optarg, UINT32_MAX); break;
		case O_BUFFMT: opt.buf_fmt = (u16)num("--buf-fmt", optarg, 65535); break;
		case O_FLAGS: opt.req_flags = (int)num("--req-flags", optarg, 255); break;
		case O_MC: opt.multichan = (int)num("--multichan", optarg, 3); break;
		case O_IMM:
			opt.imm = true;
			if (optarg)
				opt.imm_offset = (u32)num("--imm", optarg, 65535);
			break;
		case O_IMMOFF: opt.imm_offset = (u32)num("--imm-offset", optarg, 65535); break;
		case O_IPORT: parse_id16("--iport", optarg, opt.iport); opt.iport_set = true; break;
		case O_TPORT: parse_id16("--tport", optarg, opt.tport); opt.tport_set = true; break;
		case O_SGUID: {
			u8 g[8];

			if (parse_hex("--service-guid", optarg, g, 8) != 8)
				die("--service-guid must be 8 bytes");
			memcpy(opt.tport, g, 8);
			memcpy(opt.tport + 8, g, 8);
			opt.tport_set = true;
			break;
		}
		case O_PDATA:
			opt.pdata_raw_len = (u32)parse_hex("--pdata", optarg,
							   opt.pdata, 255);
			opt.pdata_raw = true;
			break;
		case O_PDLEN: opt.pdata_len = (int)num("--pdata-len", optarg, 255); break;
		case O_POKE: {
			struct poke *p;
			char *eq = strchr(optarg, '=');

			if (!eq || opt.n_pokes >= 16)
				die("--poke OFF=HEX (at most 16)");
			*eq = '\0';
			p = &opt.pokes[opt.n_pokes++];
			p->off = (u32)num("--poke offset", optarg, 255);
			p->len = (u32)parse_hex("--poke", eq + 1, p->bytes,
						sizeof(p->bytes));
			break;
		}
		case O_CH: opt.channels = (u32)num("--channels", optarg, 64); break;
		case O_QD: opt.qd = (u32)num("--qd", optarg, 4096); break;
		case O_BS: opt.bs = (u32)num("--bs", optarg, 16 << 20); break;
		case O_RW: opt.rw = optarg; break;
		case O_MIX: opt.mix = (u32)num("--mix", optarg, 100); break;
		case O_TIME: opt.time_s = atof(optarg); break;
		case O_LUN: opt.lun = (u32)num("--lun", optarg, 255); break;
		default: usage(stderr); exit(2);
		}
	}
}

int main(int argc, char **argv)
{
	struct conn *c;
	int rc, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	t_start = now_us();
	if (argc > 1 && !strcmp(argv[1], "load")) {
		load_mode = true;
		argv[1] = argv[0];
		argc--;
		argv++;
	}
	parse_opts(argc, argv);
	if (load_mode && optind < argc)
		die("srpi load takes no steps");
	if (opt.data_size < 2 * TABLE_AREA)
		opt.data_size = 2 * TABLE_AREA;

	ec = rdma_create_event_channel();
	if (!ec)
		die("rdma_create_event_channel: %s", strerror(errno));
	set_nonblock(ec->fd);

	if (load_mode)
		return run_load();

	if (!opt.slot_size) {
		u64 s = (u64)opt.it_iu_len + 8192;

		opt.slot_size = (u32)(s > (1 << 17) ? (1 << 17) : (s + 63) & ~63ull);
	}
	c = conn_new();
	rc = conn_login(c, opt.multichan);
	fflush(stdout);
	if (!rc) {
		if (opt.script) {
			FILE *f = fopen(opt.script, "r");
			char line[16384];

			if (!f)
				die("cannot open %s: %s", opt.script, strerror(errno));
			while (fgets(line, sizeof(line), f))
				run_step(c, line);
			fclose(f);
		}
		for (i = optind; i < argc; i++)
			run_step(c, argv[i]);
	}
	disconnect_all();
	conn_close(c);
	rdma_destroy_event_channel(ec);
	return rc;
}
