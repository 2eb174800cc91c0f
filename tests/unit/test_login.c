// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for login parsing, negotiation and the LOGIN_RSP / LOGIN_REJ
 * builders.
 */
#include "helpers.h"

#define GUID 0x0002c90300a1b2c3ull

static const u8 init_id[16] = {
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f,
};

/* id_ext || ioc_guid, both equal to GUID. */
static const u8 tgt_id[16] = {
	0x00, 0x02, 0xc9, 0x03, 0x00, 0xa1, 0xb2, 0xc3,
	0x00, 0x02, 0xc9, 0x03, 0x00, 0xa1, 0xb2, 0xc3,
};

/* IB/CM srp_login_req (64 bytes) into @b, which is at least 96 bytes. */
static void mk_ib(u8 *b, u32 it_iu_len, u16 fmt, u8 flags, u16 imm_off)
{
	memset(b, 0, 96);
	b[0] = SRPT_OP_LOGIN_REQ;
	memset(b + 1, 0xee, 7);		/* reserved */
	memcpy(b + 8, tag_bytes, 8);
	srpt_put_be32(b + 16, it_iu_len);
	srpt_put_be16(b + 24, fmt);
	b[26] = flags;
	srpt_put_be16(b + 28, imm_off);
	memcpy(b + 32, init_id, 16);
	memcpy(b + 48, tgt_id, 16);
}

/* RDMA/CM srp_login_req_rdma (56 bytes) into @b (at least 96 bytes). */
static void mk_rdma(u8 *b, u32 it_iu_len, u16 fmt, u8 flags, u16 imm_off)
{
	memset(b, 0, 96);
	memcpy(b, tag_bytes, 8);
	srpt_put_be16(b + 8, fmt);
	b[10] = flags;
	b[11] = SRPT_OP_LOGIN_REQ;
	srpt_put_be32(b + 12, it_iu_len);
	memcpy(b + 16, init_id, 16);
	memcpy(b + 32, tgt_id, 16);
	srpt_put_be16(b + 48, imm_off);
	memset(b + 50, 0xee, 6);	/* reserved */
}

static int parse_ib(const u8 *b, size_t len, struct srpt_login_req *r)
{
	memset(r, 0xa5, sizeof(*r));
	return srpt_parse_login_req_ib(exact_copy(b, len), len, r);
}

static int parse_rdma(const u8 *b, size_t len, struct srpt_login_req *r)
{
	memset(r, 0xa5, sizeof(*r));
	return srpt_parse_login_req_rdma(exact_copy(b, len), len, r);
}

static void check_req(const struct srpt_login_req *r)
{
	assert_true(r->tag == tag_val());
	assert_int_equal(r->req_it_iu_len, 0x00012345);
	assert_int_equal(r->req_buf_fmt, 0x0006);
	assert_int_equal(r->req_flags, 0x81);
	assert_int_equal(r->imm_data_offset, 0x0044);
	assert_memory_equal(r->initiator_port_id, init_id, 16);
	assert_memory_equal(r->target_port_id, tgt_id, 16);
}

static void login_ib_ok(void **s)
{
	u8 b[96];
	struct srpt_login_req r;

	(void)s;
	mk_ib(b, 0x00012345, 0x0006, 0x81, 0x0044);
	assert_int_equal(parse_ib(b, 64, &r), 0);
	check_req(&r);
	/* IB/CM delivers 92 bytes of private data. */
	memset(b + 64, 0xff, 28);
	assert_int_equal(parse_ib(b, 92, &r), 0);
	check_req(&r);
}

static void login_ib_short(void **s)
{
	u8 b[96];
	struct srpt_login_req r;
	size_t len;

	(void)s;
	mk_ib(b, 0x00012345, 0x0006, 0x81, 0x0044);
	for (len = 0; len < 64; len++) {
		assert_int_equal(parse_ib(b, len, &r), -EINVAL);
		if (len >= 16)
			assert_true(r.tag == tag_val());
		else
			assert_true(r.tag == 0);
	}
}

static void login_ib_bad_opcode(void **s)
{
	u8 b[96];
	struct srpt_login_req r;
	unsigned int op;

	(void)s;
	for (op = 1; op < 256; op++) {
		mk_ib(b, 0x00012345, 0x0006, 0x81, 0x0044);
		b[0] = (u8)op;
		assert_int_equal(parse_ib(b, 64, &r), -EINVAL);
		assert_true(r.tag == tag_val());
	}
	/* In the IB layout byte 11 is reserved, not the opcode. */
	mk_ib(b, 0x00012345, 0x0006, 0x81, 0x0044);
	b[11] = 0x02;
	assert_int_equal(parse_ib(b, 64, &r), 0);
}

static void login_rdma_ok(void **s)
{
	u8 b[96];
	struct srpt_login_req r;

	(void)s;
	mk_rdma(b, 0x00012345, 0x0006, 0x81, 0x0044);
	assert_int_equal(parse_rdma(b, 56, &r), 0);
	check_req(&r);
	assert_int_equal(parse_rdma(b, 96, &r), 0);
	check_req(&r);
	/* In the RDMA layout byte 0 is part of the tag. */
	b[0] = 0xc2;
	assert_int_equal(parse_rdma(b, 56, &r), 0);
	assert_int_equal(((u8 *)&r.tag)[0], 0xc2);
}

static void login_rdma_short(void **s)
{
	u8 b[96];
	struct srpt_login_req r;
	size_t len;

	(void)s;
	mk_rdma(b, 0x00012345, 0x0006, 0x81, 0x0044);
	for (len = 0; len < 56; len++) {
		assert_int_equal(parse_rdma(b, len, &r), -EINVAL);
		if (len >= 8)
			assert_true(r.tag == tag_val());
		else
			assert_true(r.tag == 0);
	}
}

static void login_rdma_bad_opcode(void **s)
{
	u8 b[96];
	struct srpt_login_req r;

	(void)s;
	mk_rdma(b, 0x00012345, 0x0006, 0x81, 0x0044);
	b[11] = SRPT_OP_CMD;
	assert_int_equal(parse_rdma(b, 56, &r), -EINVAL);
	assert_true(r.tag == tag_val());
	b[11] = 0xff;
	assert_int_equal(parse_rdma(b, 56, &r), -EINVAL);
	assert_true(r.tag == tag_val());
}

/* ------------------------------ negotiation ------------------------------ */

static const struct srpt_login_policy pol = {
	.service_guid = GUID,
	.max_req_size = 8192,
	.max_rsp_size = 256,
	.credits = 128,
	.use_srq = false,
};

static struct srpt_login_req good_req(void)
{
	struct srpt_login_req r;

	memset(&r, 0, sizeof(r));
	r.tag = tag_val();
	r.req_it_iu_len = 8192;
	r.req_buf_fmt = SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT;
	r.req_flags = SRPT_MULTICHAN_SINGLE;
	memcpy(r.initiator_port_id, init_id, 16);
	memcpy(r.target_port_id, tgt_id, 16);
	return r;
}

static u32 negotiate(const struct srpt_login_req *r,
		     const struct srpt_login_policy *p,
		     struct srpt_login_params *o)
{
	memset(o, 0xa5, sizeof(*o));
	return srpt_login_negotiate(r, p, o);
}

static void negotiate_ok(void **s)
{
	struct srpt_login_req r = good_req();
	struct srpt_login_params o;

	(void)s;
	assert_int_equal(negotiate(&r, &pol, &o), 0);
	assert_int_equal(o.it_iu_len, 8192);
	assert_int_equal(o.ti_iu_len, 256);
	assert_int_equal(o.credits, 128);
	assert_int_equal(o.buf_fmt, 0x0006);
	assert_false(o.imm_data);
	assert_int_equal(o.imm_data_offset, 0);
	assert_int_equal(o.multichan_action, SRPT_MULTICHAN_SINGLE);

	r.req_it_iu_len = 64;
	r.req_flags = SRPT_MULTICHAN_MULTI;
	r.req_buf_fmt = SRPT_BUF_FMT_DIRECT;
	assert_int_equal(negotiate(&r, &pol, &o), 0);
	assert_int_equal(o.it_iu_len, 64);
	assert_int_equal(o.buf_fmt, SRPT_BUF_FMT_DIRECT);
	assert_int_equal(o.multichan_action, SRPT_MULTICHAN_MULTI);

	/* Unknown buffer format bits are dropped from the agreed set. */
	r.req_buf_fmt = 0xfff9 | SRPT_BUF_FMT_INDIRECT;
	assert_int_equal(negotiate(&r, &pol, &o), 0);
	assert_int_equal(o.buf_fmt, SRPT_BUF_FMT_INDIRECT);
}

static void reject_it_iu_len(void **s)
{
	struct srpt_login_req r = good_req();
	struct srpt_login_params o;
	static const u32 bad[] = { 0, 1, 48, 63, 8193, 0x10000, 0xffffffff };
	unsigned int i;

	(void)s;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r.req_it_iu_len = bad[i];
		assert_int_equal(negotiate(&r, &pol, &o),
				 SRPT_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE);
	}
	r.req_it_iu_len = 64;
	assert_int_equal(negotiate(&r, &pol, &o), 0);
	r.req_it_iu_len = 8192;
	assert_int_equal(negotiate(&r, &pol, &o), 0);
}

static void reject_buf_fmt(void **s)
{
	struct srpt_login_req r = good_req();
	struct srpt_login_params o;

	(void)s;
	r.req_buf_fmt = 0;
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT);
	r.req_buf_fmt = 0xfff9;
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT);
	r.req_buf_fmt = SRPT_BUF_FMT_INDIRECT;
	assert_int_equal(negotiate(&r, &pol, &o), 0);
}

static void reject_multichan(void **s)
{
	struct srpt_login_req r = good_req();
	struct srpt_login_params o;

	(void)s;
	r.req_flags = 2;
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_MULTI_CHANNEL_UNSUPPORTED);
	r.req_flags = 3 | SRPT_IMMED_REQUESTED;
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_MULTI_CHANNEL_UNSUPPORTED);
	/* Bits outside the mask do not count as multichannel action. */
	r.req_flags = 0x7c | SRPT_MULTICHAN_MULTI;
	assert_int_equal(negotiate(&r, &pol, &o), 0);
	assert_int_equal(o.multichan_action, SRPT_MULTICHAN_MULTI);
}

static void reject_target_port(void **s)
{
	struct srpt_login_req r = good_req();
	struct srpt_login_params o;
	int i;

	(void)s;
	for (i = 0; i < 16; i++) {
		r = good_req();
		r.target_port_id[i] ^= 0x01;
		assert_int_equal(negotiate(&r, &pol, &o),
				 SRPT_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL);
	}
	/* Byte-swapped GUID does not match either. */
	r = good_req();
	for (i = 0; i < 8; i++) {
		r.target_port_id[i] = tgt_id[7 - i];
		r.target_port_id[8 + i] = tgt_id[7 - i];
	}
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL);
}

static void reject_order(void **s)
{
	struct srpt_login_req r = good_req();
	struct srpt_login_params o;

	(void)s;
	r.req_it_iu_len = 8193;
	r.req_buf_fmt = 0;
	r.req_flags = 3;
	r.target_port_id[0] = 0xff;
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE);
	r.req_it_iu_len = 4096;
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT);
	r.req_buf_fmt = SRPT_BUF_FMT_DIRECT;
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_MULTI_CHANNEL_UNSUPPORTED);
	r.req_flags = 0;
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL);
	r.target_port_id[0] = 0x00;
	assert_int_equal(negotiate(&r, &pol, &o), 0);
	assert_int_equal(o.it_iu_len, 4096);
}

/* Immediate data requested at @off with @it_iu_len: granted? */
static bool imm_granted(u16 off, u32 it_iu_len, bool srq, bool req,
			u32 max_req)
{
	struct srpt_login_req r = good_req();
	struct srpt_login_policy p = pol;
	struct srpt_login_params o;

	r.req_flags = req ? SRPT_IMMED_REQUESTED : 0;
	r.imm_data_offset = off;
	r.req_it_iu_len = it_iu_len;
	p.use_srq = srq;
	p.max_req_size = max_req;
	assert_int_equal(negotiate(&r, &p, &o), 0);
	if (!o.imm_data)
		assert_int_equal(o.imm_data_offset, 0);
	else
		assert_int_equal(o.imm_data_offset, off);
	return o.imm_data;
}

static void imm_grant(void **s)
{
	(void)s;
	assert_true(imm_granted(48, 64, false, true, 8192));
	assert_true(imm_granted(60, 64, false, true, 8192));
	assert_true(imm_granted(80, 8192, false, true, 8192));
	assert_true(imm_granted(8188, 8192, false, true, 8192));
	/* 0xffff + 4 does not wrap in 16 bits. */
	assert_true(imm_granted(0xffff, 0x10003, false, true, 0x20000));
	assert_false(imm_granted(0xffff, 0x10002, false, true, 0x20000));
}

static void imm_deny(void **s)
{
	(void)s;
	/* Offset below the SRP_CMD header. */
	assert_false(imm_granted(0, 8192, false, true, 8192));
	assert_false(imm_granted(4, 8192, false, true, 8192));
	assert_false(imm_granted(47, 8192, false, true, 8192));
	/* Offset + 4-byte header past req_it_iu_len. */
	assert_false(imm_granted(61, 64, false, true, 8192));
	assert_false(imm_granted(64, 64, false, true, 8192));
	assert_false(imm_granted(8189, 8192, false, true, 8192));
	/* Shared receive queue. */
	assert_false(imm_granted(48, 8192, true, true, 8192));
	/* Not requested, even with a valid offset. */
	assert_false(imm_granted(48, 8192, false, false, 8192));
	assert_false(imm_granted(80, 8192, false, false, 8192));
}

/* ------------------------------- builders -------------------------------- */

static void build_login_rsp(void **s)
{
	u8 b[128];
	struct srpt_login_params p = {
		.it_iu_len = 0x00002040,
		.ti_iu_len = 0x00000100,
		.credits = 0x00000080,
		.buf_fmt = 0x0006,
		.imm_data = false,
		.imm_data_offset = 0,
		.multichan_action = SRPT_MULTICHAN_SINGLE,
	};
	u8 exp[52] = {
		0xc0, 0, 0, 0, 0x00, 0x00, 0x00, 0x80,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0x00, 0x00, 0x20, 0x40, 0x00, 0x00, 0x01, 0x00,
		0x00, 0x06, 0x02,
	};

	(void)s;
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_login_rsp(b, sizeof(b), tag_val(), &p,
			 SRPT_LOGIN_RSP_MULTICHAN_MAINTAINED), 52);
	assert_memory_equal(b, exp, 52);
	assert_bytes(b + 52, sizeof(b) - 52, 0xaa);

	/* Exact size works; immediate data sets bit 7. */
	p.imm_data = true;
	p.imm_data_offset = 80;
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_login_rsp(b, 52, tag_val(), &p,
			 SRPT_LOGIN_RSP_MULTICHAN_NO_CHAN), 52);
	exp[26] = 0x80;
	assert_memory_equal(b, exp, 52);
	assert_int_equal(b[52], 0xaa);

	assert_int_equal(srpt_build_login_rsp(b, 52, tag_val(), &p,
			 SRPT_LOGIN_RSP_MULTICHAN_TERMINATED), 52);
	assert_int_equal(b[26], 0x81);

	/* IMMED_SUPP is taken from the parameters, not from rsp_flags. */
	p.imm_data = false;
	assert_int_equal(srpt_build_login_rsp(b, 52, tag_val(), &p,
			 SRPT_LOGIN_RSP_IMMED_SUPP |
			 SRPT_LOGIN_RSP_MULTICHAN_MAINTAINED), 52);
	assert_int_equal(b[26], 0x02);

	/* Too small: nothing written. */
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_login_rsp(b, 51, tag_val(), &p, 0), 0);
	assert_int_equal(srpt_build_login_rsp(b, 0, tag_val(), &p, 0), 0);
	assert_bytes(b, sizeof(b), 0xaa);
}

static void build_login_rsp_fields(void **s)
{
	u8 b[52];
	struct srpt_login_params p = {
		.it_iu_len = 0xa1a2a3a4,
		.ti_iu_len = 0xb1b2b3b4,
		.credits = 0xc1c2c3c4,
		.buf_fmt = 0xd1d2,
	};

	(void)s;
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_login_rsp(b, 52, 0x0123456789abcdefull,
					      &p, 0), 52);
	assert_int_equal(b[0], SRPT_OP_LOGIN_RSP);
	assert_bytes(b + 1, 3, 0);
	assert_int_equal(srpt_get_be32(b + 4), 0xc1c2c3c4);
	assert_true(bytes_tag(b + 8) == 0x0123456789abcdefull);
	assert_int_equal(srpt_get_be32(b + 16), 0xa1a2a3a4);
	assert_int_equal(srpt_get_be32(b + 20), 0xb1b2b3b4);
	assert_int_equal(srpt_get_be16(b + 24), 0xd1d2);
	assert_int_equal(b[26], 0);
	assert_bytes(b + 27, 25, 0);
}

static void build_login_rej(void **s)
{
	u8 b[64];
	static const u8 exp[32] = {
		0xc2, 0, 0, 0, 0x00, 0x01, 0x00, 0x03,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x06, 0, 0, 0, 0, 0, 0,
	};

	(void)s;
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_login_rej(b, sizeof(b), tag_val(),
			 SRPT_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL), 32);
	assert_memory_equal(b, exp, 32);
	assert_bytes(b + 32, 32, 0xaa);

	assert_int_equal(srpt_build_login_rej(b, 32, tag_val(), 0xdeadbeef),
			 32);
	assert_int_equal(srpt_get_be32(b + 4), 0xdeadbeef);

	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_login_rej(b, 31, tag_val(), 0), 0);
	assert_bytes(b, sizeof(b), 0xaa);
}

/* Parse -> negotiate -> respond, both CM flavours, tag echoed. */
static void end_to_end(void **s)
{
	u8 b[96], rsp[64];
	struct srpt_login_req r;
	struct srpt_login_params o;
	u32 it = 4096;

	(void)s;
	mk_ib(b, it, 0x0006, SRPT_IMMED_REQUESTED, 80);
	assert_int_equal(parse_ib(b, 64, &r), 0);
	assert_int_equal(negotiate(&r, &pol, &o), 0);
	assert_true(o.imm_data);
	assert_int_equal(o.imm_data_offset, 80);
	assert_int_equal(srpt_build_login_rsp(rsp, sizeof(rsp), r.tag, &o,
			 SRPT_LOGIN_RSP_MULTICHAN_NO_CHAN), 52);
	assert_memory_equal(rsp + 8, tag_bytes, 8);
	assert_int_equal(rsp[26], 0x80);
	assert_int_equal(srpt_get_be32(rsp + 16), 4096);

	mk_rdma(b, 9000, 0x0006, 0, 0);
	assert_int_equal(parse_rdma(b, 56, &r), 0);
	assert_int_equal(negotiate(&r, &pol, &o),
			 SRPT_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE);
	assert_int_equal(srpt_build_login_rej(rsp, sizeof(rsp), r.tag,
			 SRPT_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE), 32);
	assert_memory_equal(rsp + 8, tag_bytes, 8);

	/* A bad request still yields a tag to echo. */
	mk_rdma(b, 4096, 0x0006, 0, 0);
	b[11] = 0x42;
	assert_int_equal(parse_rdma(b, 56, &r), -EINVAL);
	assert_int_equal(srpt_build_login_rej(rsp, sizeof(rsp), r.tag,
			 SRPT_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL), 32);
	assert_memory_equal(rsp + 8, tag_bytes, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(login_ib_ok),
		T(login_ib_short),
		T(login_ib_bad_opcode),
		T(login_rdma_ok),
		T(login_rdma_short),
		T(login_rdma_bad_opcode),
		T(negotiate_ok),
		T(reject_it_iu_len),
		T(reject_buf_fmt),
		T(reject_multichan),
		T(reject_target_port),
		T(reject_order),
		T(imm_grant),
		T(imm_deny),
		T(build_login_rsp),
		T(build_login_rsp_fields),
		T(build_login_rej),
		T(end_to_end),
	};

	return RUN("login", tests);
}
