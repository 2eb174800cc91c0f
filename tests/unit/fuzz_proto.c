// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer harness for srpt_proto.c.
 *
 * Every input is fed to every parser (as an exact-size heap copy, so that
 * ASan catches any read past the length) with several limit combinations,
 * and the results are checked against the invariants of srpt_proto.h.  All
 * memory a successful parse points to is read back, so pointer ranges are
 * checked by ASan as well.
 *
 *   clang -fsanitize=fuzzer,address,undefined -I../.. fuzz_proto.c \
 *	../../srpt_proto.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

#include "srpt_proto.h"

#define CHECK(x)							\
	do {								\
		if (!(x)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #x);		\
			abort();					\
		}							\
	} while (0)

static volatile u8 sink;

/* Read @n bytes at @p (lets ASan check the range). */
static void touch(const u8 *p, size_t n)
{
	u8 x = 0;
	size_t i;

	for (i = 0; i < n; i++)
		x ^= p[i];
	sink = x;
}

static const struct srpt_cmd_limits limits[] = {
	{ SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT, 0, 0xffffffff, false },
	{ SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT, 52, 1 << 20, true },
	{ SRPT_BUF_FMT_DIRECT, 64, 4096, false },
	{ SRPT_BUF_FMT_INDIRECT, 68, 0xffffffff, true },
	{ 0, 300, 0, true },
	{ SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT, 0xffff, 0xffffffff,
	  true },
};

static void fuzz_cmd(const u8 *p, u32 len, const struct srpt_cmd_limits *lim)
{
	const u8 *end = p + len;
	struct srpt_cmd_iu c;
	u8 fmt;
	int ret;

	ret = srpt_parse_cmd(p, len, lim, &c);
	if (len < SRPT_CMD_LEN) {
		CHECK(ret == -EMSGSIZE);
		CHECK(!c.cdb && !c.desc && !c.imm_data);
		return;
	}
	CHECK(ret == 0 || ret == -EINVAL);
	if (c.cdb) {
		CHECK(c.cdb == p + 32);
		CHECK(c.cdb_len >= 16 && c.cdb_len <= 16 + 252);
		CHECK(c.cdb + c.cdb_len <= end);
		touch(c.cdb, c.cdb_len);
	}
	if (ret) {
		CHECK(!c.desc && !c.imm_data && !c.nr_desc && !c.data_len);
		return;
	}

	CHECK(c.cdb);
	CHECK(c.data_len <= lim->max_data_len);
	fmt = p[5];
	switch (c.dir) {
	case SRPT_DIR_NONE:
		CHECK(fmt == 0);
		CHECK(!c.data_len && !c.nr_desc && !c.desc && !c.imm_data);
		return;
	case SRPT_DIR_WRITE:
		CHECK((fmt >> 4) && !(fmt & 0xf));
		fmt >>= 4;
		break;
	case SRPT_DIR_READ:
		CHECK(!(fmt >> 4) && (fmt & 0xf));
		break;
	default:
		CHECK(0);
	}

	if (c.desc) {
		CHECK(c.desc >= c.cdb + c.cdb_len);
		CHECK(c.nr_desc > 0);
		CHECK((size_t)(end - c.desc) >= (size_t)c.nr_desc * 16);
		touch(c.desc, (size_t)c.nr_desc * 16);
	} else {
		CHECK(c.nr_desc == 0);
	}

	switch (fmt) {
	case SRPT_DESC_DIRECT: {
		u64 va;
		u32 key, dlen;

		CHECK(lim->buf_fmt & SRPT_BUF_FMT_DIRECT);
		CHECK(c.nr_desc == 1 && !c.ext_table && !c.imm_data);
		srpt_get_desc(c.desc, 0, &va, &key, &dlen);
		CHECK(dlen == c.data_len);
		break;
	}
	case SRPT_DESC_INDIRECT: {
		u32 sum;

		CHECK(lim->buf_fmt & SRPT_BUF_FMT_INDIRECT);
		CHECK(!c.imm_data);
		CHECK(c.table_len && c.table_len % 16 == 0);
		if (c.ext_table) {
			CHECK(lim->allow_ext_table);
			CHECK(c.nr_ext_desc == c.table_len / 16);
			CHECK(c.nr_ext_desc > c.nr_desc);
		} else {
			CHECK(c.table_len / 16 == c.nr_desc);
			CHECK(srpt_desc_total(c.desc, c.nr_desc, &sum));
			CHECK(sum == c.data_len);
		}
		break;
	}
	case SRPT_DESC_IMM:
		CHECK(c.dir == SRPT_DIR_WRITE);
		CHECK(lim->imm_data_offset);
		CHECK(!c.desc && !c.nr_desc && !c.ext_table);
		CHECK(c.imm_data == p + lim->imm_data_offset);
		CHECK(c.imm_data >= c.cdb + c.cdb_len + 4);
		CHECK((size_t)(end - c.imm_data) >= c.data_len);
		touch(c.imm_data, c.data_len);
		break;
	default:
		CHECK(0);
	}
}

static void fuzz_login(const u8 *p, size_t len, bool rdma)
{
	static const struct srpt_login_policy pols[] = {
		{ 0x0002c90300a1b2c3ull, 8192, 256, 128, false },
		{ 0x0002c90300a1b2c3ull, 0xffffffff, 0xffffffff, 0, true },
		{ 0, 64, 64, 1, false },
	};
	struct srpt_login_req req;
	struct srpt_login_params prm;
	unsigned int i;
	u8 *out;
	int ret;

	ret = rdma ? srpt_parse_login_req_rdma(p, len, &req) :
		     srpt_parse_login_req_ib(p, len, &req);
	if (len < (rdma ? SRPT_LOGIN_REQ_RDMA_LEN : SRPT_LOGIN_REQ_LEN))
		CHECK(ret == -EINVAL);
	out = malloc(SRPT_LOGIN_RSP_LEN);
	CHECK(out);
	CHECK(srpt_build_login_rej(out, SRPT_LOGIN_REJ_LEN, req.tag, 1) ==
	      SRPT_LOGIN_REJ_LEN);
	if (ret) {
		CHECK(ret == -EINVAL);
		free(out);
		return;
	}
	for (i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		u32 r = srpt_login_negotiate(&req, &pols[i], &prm);

		if (r) {
			CHECK(r >= SRPT_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE &&
			      r <= SRPT_LOGIN_REJ_MULTI_CHANNEL_UNSUPPORTED);
			continue;
		}
		CHECK(prm.it_iu_len >= 64 &&
		      prm.it_iu_len <= pols[i].max_req_size);
		CHECK(prm.buf_fmt && !(prm.buf_fmt & ~6u));
		CHECK(prm.multichan_action <= 1);
		if (prm.imm_data) {
			CHECK(!pols[i].use_srq);
			CHECK(prm.imm_data_offset >= 48);
			CHECK(prm.imm_data_offset + 4u <= prm.it_iu_len);
		} else {
			CHECK(prm.imm_data_offset == 0);
		}
		CHECK(srpt_build_login_rsp(out, SRPT_LOGIN_RSP_LEN, req.tag,
					   &prm, 0) == SRPT_LOGIN_RSP_LEN);
		CHECK(srpt_get_be32(out + 16) == prm.it_iu_len);
	}
	free(out);
}

static void fuzz_misc(const u8 *p, u32 len)
{
	struct srpt_tsk_mgmt_iu t;
	struct srpt_rsp_info info;
	size_t size, n;
	u64 tag;
	int ret;
	u8 *out;

	ret = srpt_iu_opcode(p, len);
	CHECK(len ? ret == p[0] : ret == -EINVAL);
	CHECK(srpt_iu_tag(p, len, &tag) == (len >= 16));
	if (len)
		(void)srpt_iu_min_len(p[0]);

	ret = srpt_parse_tsk_mgmt(p, len, &t);
	CHECK(ret == (len < SRPT_TSK_MGMT_LEN ? -EMSGSIZE : 0));

	/* The input as sense data into a response of a data-chosen size. */
	memset(&info, 0, sizeof(info));
	info.tag = tag;
	info.sense = p;
	info.sense_len = len;
	info.rsp_code_valid = len && (p[0] & 1);
	info.resid_flag = len > 1 ? p[1] : 0;
	size = 30 + (len > 2 ? p[2] % 80 : 0);
	out = malloc(size);
	CHECK(out);
	n = srpt_build_rsp(out, size, &info);
	CHECK(n <= size);
	if (size < SRPT_RSP_LEN)
		CHECK(n == 0);
	if (n) {
		CHECK(out[0] == SRPT_OP_RSP);
		CHECK(srpt_get_be32(out + 28) + srpt_get_be32(out + 32) + 36 ==
		      n);
	}
	n = srpt_build_t_logout(out, size, tag, 0);
	CHECK(n == SRPT_T_LOGOUT_LEN);
	free(out);
}

static void fuzz_names(const u8 *data, size_t size)
{
	char fmt[SRPT_GID_NAME_LEN];
	char *name = malloc(size + 1);
	bool is_guid;
	u8 id[16];
	size_t i;

	CHECK(name);
	memcpy(name, data, size);
	name[size] = '\0';

	if (srpt_parse_port_name(name, id, &is_guid) == 0) {
		if (is_guid) {
			srpt_format_guid(fmt, id + 8);
			for (i = 0; i < 8; i++)
				CHECK(id[i] == 0);
		} else {
			srpt_format_gid(fmt, id);
		}
		CHECK(strlen(name) == strlen(fmt));
		for (i = 0; fmt[i]; i++)
			CHECK(tolower((unsigned char)name[i]) == fmt[i]);
	}
	if (srpt_parse_initiator_name(name, id) == 0)
		CHECK(strlen(name) >= 2 && strlen(name) <= 34);
	free(name);
}

/* The DM responder: must answer only DM requests, always SRPT_MAD_LEN. */
static void fuzz_dm(const u8 *p, u32 len)
{
	static const struct srpt_dm_info info = {
		.ioc_guid = 0x0002c90300a1b2c3ULL, .send_queue_depth = 128,
		.rdma_read_depth = 4, .send_size = 8276, .rdma_size = 65536,
	};
	u8 rsp[SRPT_MAD_LEN];
	size_t n = srpt_dm_respond(p, len, rsp, sizeof(rsp), &info);

	if (n && (n != SRPT_MAD_LEN || len < SRPT_DM_HDR_LEN ||
		  p[1] != SRPT_MGMT_CLASS_DEVICE_MGMT ||
		  rsp[3] != SRPT_MAD_METHOD_GET_RESP))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u32 len = size > 65536 ? 65536 : (u32)size;
	unsigned int i;
	u8 *p;

	/* Exact-size copy (malloc(0) is fine: nothing may be read then). */
	p = malloc(len);
	if (!p && len)
		return 0;
	if (len)
		memcpy(p, data, len);

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		fuzz_cmd(p, len, &limits[i]);
	fuzz_login(p, len, false);
	fuzz_login(p, len, true);
	fuzz_misc(p, len);
	fuzz_dm(p, len);
	fuzz_names(data, size > 256 ? 256 : size);

	free(p);
	return 0;
}
