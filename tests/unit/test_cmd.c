// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for srpt_parse_cmd(), srpt_desc_total() and
 * srpt_desc_page_shaped().
 */
#include "helpers.h"

#define MAXIU 8192

static const u8 lun_bytes[8] = { 0x40, 0x01, 0, 0, 0, 0, 0, 0 };

/*
 * Build the fixed part of an SRP_CMD into @b (zeroing MAXIU bytes first).
 * Returns the descriptor offset, 48 + (add_cdb_len & ~3).
 */
static u32 mk_cmd(u8 *b, u8 buf_fmt, u8 do_cnt, u8 di_cnt, u8 add_cdb_len)
{
	u32 i;

	memset(b, 0, MAXIU);
	b[0] = SRPT_OP_CMD;
	b[1] = 0x5a;			/* sol_not: ignored */
	b[5] = buf_fmt;
	b[6] = do_cnt;
	b[7] = di_cnt;
	memcpy(b + 8, tag_bytes, 8);
	memset(b + 16, 0xee, 4);	/* reserved: must not leak into lun */
	memcpy(b + 20, lun_bytes, 8);
	b[28] = 0xee;
	b[29] = SRPT_TASK_ATTR_ORDERED;
	b[30] = 0xee;
	b[31] = add_cdb_len;
	for (i = 0; i < 16u + (add_cdb_len & ~3u); i++)
		b[32 + i] = (u8)(0x80 + i);
	return 48 + (add_cdb_len & ~3u);
}

static void put_desc(u8 *p, u64 va, u32 key, u32 len)
{
	srpt_put_be64(p, va);
	srpt_put_be32(p + 8, key);
	srpt_put_be32(p + 12, len);
}

/* Indirect header at @p: table descriptor and total length. */
static void put_ind(u8 *p, u64 va, u32 key, u32 table_len, u32 total)
{
	put_desc(p, va, key, table_len);
	srpt_put_be32(p + 16, total);
}

static const struct srpt_cmd_limits lim_all = {
	.buf_fmt = SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT,
	.imm_data_offset = 0,
	.max_data_len = 1 << 20,
	.allow_ext_table = false,
};

/* Parse @len bytes of @b through an exact-size copy. */
static int parse(const u8 *b, u32 len, const struct srpt_cmd_limits *lim,
		 struct srpt_cmd_iu *c)
{
	u8 *p = exact_copy(b, len);

	memset(c, 0xa5, sizeof(*c));	/* everything must be overwritten */
	return srpt_parse_cmd(p, len, lim, c);
}

/* The header fields that are valid whenever the CDB fits. */
static void check_hdr(const struct srpt_cmd_iu *c, u32 cdb_len)
{
	assert_true(c->tag == tag_val());
	assert_memory_equal(c->lun, lun_bytes, 8);
	assert_int_equal(c->task_attr, SRPT_TASK_ATTR_ORDERED);
	assert_int_equal(OFF(c->cdb), 32);
	assert_int_equal(c->cdb_len, cdb_len);
	assert_int_equal(c->cdb[0], 0x80);
	assert_int_equal(c->cdb[cdb_len - 1], (u8)(0x80 + cdb_len - 1));
}

/* After -EINVAL: header filled, all data fields clear. */
static void check_einval(const struct srpt_cmd_iu *c, u32 cdb_len)
{
	check_hdr(c, cdb_len);
	assert_int_equal(c->dir, SRPT_DIR_NONE);
	assert_int_equal(c->data_len, 0);
	assert_int_equal(c->nr_desc, 0);
	assert_null(c->desc);
	assert_null(c->imm_data);
	assert_false(c->ext_table);
}

static void expect_einval(const u8 *b, u32 len,
			  const struct srpt_cmd_limits *lim, u32 cdb_len)
{
	struct srpt_cmd_iu c;

	assert_int_equal(parse(b, len, lim, &c), -EINVAL);
	check_einval(&c, cdb_len);
}

/* ------------------------------ no data ---------------------------------- */

static void no_data(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;

	(void)s;
	mk_cmd(b, 0x00, 0, 0, 0);
	assert_int_equal(parse(b, 48, &lim_all, &c), 0);
	check_hdr(&c, 16);
	assert_int_equal(c.dir, SRPT_DIR_NONE);
	assert_int_equal(c.data_len, 0);
	assert_int_equal(c.nr_desc, 0);
	assert_null(c.desc);
	assert_null(c.imm_data);
	assert_false(c.ext_table);
	assert_int_equal(c.nr_ext_desc, 0);
	assert_int_equal(c.table_len, 0);

	/* Trailing bytes beyond what the command needs are fine. */
	assert_int_equal(parse(b, 200, &lim_all, &c), 0);
	assert_int_equal(c.dir, SRPT_DIR_NONE);
}

static void no_data_nothing_negotiated(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = { 0 };

	(void)s;
	mk_cmd(b, 0x00, 3, 4, 0);	/* counts ignored without a format */
	assert_int_equal(parse(b, 48, &lim, &c), 0);
	assert_int_equal(c.dir, SRPT_DIR_NONE);
}

static void add_cdb_len(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;

	(void)s;
	/* 0x13 & ~3 = 16 additional CDB bytes: CDB is 32 bytes. */
	mk_cmd(b, 0x00, 0, 0, 0x13);
	assert_int_equal(parse(b, 64, &lim_all, &c), 0);
	check_hdr(&c, 32);

	/* Maximum: 0xff & ~3 = 252, CDB is 268 bytes, ends at 300. */
	mk_cmd(b, 0x00, 0, 0, 0xff);
	assert_int_equal(parse(b, 300, &lim_all, &c), 0);
	check_hdr(&c, 268);

	/* Low two bits alone are reserved: no additional CDB. */
	mk_cmd(b, 0x10, 1, 0, 0x03);
	put_desc(b + 48, 0x1000, 7, 512);
	assert_int_equal(parse(b, 64, &lim_all, &c), 0);
	check_hdr(&c, 16);
	assert_int_equal(OFF(c.desc), 48);
}

static void cdb_past_iu(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u32 len;

	(void)s;
	mk_cmd(b, 0x00, 0, 0, 0x10);	/* CDB ends at 64 */
	for (len = 48; len < 64; len++) {
		assert_int_equal(parse(b, len, &lim_all, &c), -EINVAL);
		/* Tag, LUN and task attribute are there, the CDB is not. */
		assert_true(c.tag == tag_val());
		assert_memory_equal(c.lun, lun_bytes, 8);
		assert_int_equal(c.task_attr, SRPT_TASK_ATTR_ORDERED);
		assert_null(c.cdb);
		assert_int_equal(c.cdb_len, 0);
		assert_int_equal(c.dir, SRPT_DIR_NONE);
		assert_null(c.desc);
		assert_null(c.imm_data);
	}
	assert_int_equal(parse(b, 64, &lim_all, &c), 0);

	mk_cmd(b, 0x00, 0, 0, 0xfc);	/* CDB ends at 300 */
	assert_int_equal(parse(b, 299, &lim_all, &c), -EINVAL);
	assert_null(c.cdb);
	assert_int_equal(parse(b, 300, &lim_all, &c), 0);
}

static void truncated(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u32 len;

	(void)s;
	mk_cmd(b, 0x00, 0, 0, 0);
	for (len = 0; len < SRPT_CMD_LEN; len++) {
		assert_int_equal(parse(b, len, &lim_all, &c), -EMSGSIZE);
		if (len >= 16)
			assert_true(c.tag == tag_val());
		else
			assert_true(c.tag == 0);
		assert_bytes(c.lun, 8, 0);
		assert_int_equal(c.task_attr, 0);
		assert_null(c.cdb);
		assert_int_equal(c.cdb_len, 0);
		assert_int_equal(c.dir, SRPT_DIR_NONE);
		assert_int_equal(c.data_len, 0);
		assert_null(c.desc);
		assert_null(c.imm_data);
	}
}

/* Every proper prefix of valid IUs fails cleanly (ASan checks the reads). */
static void prefixes(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;
	u32 off, len, full, i;

	(void)s;
	lim.imm_data_offset = 72;

	/* Indirect, 3 descriptors, 8 additional CDB bytes. */
	off = mk_cmd(b, 0x20, 3, 0, 8);
	put_ind(b + off, 0x1000, 1, 48, 300);
	for (i = 0; i < 3; i++)
		put_desc(b + off + 20 + 16 * i, 0x2000 + i, 2, 100);
	full = off + 20 + 48;
	assert_int_equal(parse(b, full, &lim, &c), 0);
	for (len = 0; len < full; len++) {
		int ret = parse(b, len, &lim, &c);

		assert_int_equal(ret, len < 48 ? -EMSGSIZE : -EINVAL);
	}

	/* Direct read. */
	off = mk_cmd(b, 0x01, 0, 1, 4);
	put_desc(b + off, 0x1000, 1, 4096);
	full = off + 16;
	assert_int_equal(parse(b, full, &lim, &c), 0);
	for (len = 0; len < full; len++)
		assert_int_equal(parse(b, len, &lim, &c),
				 len < 48 ? -EMSGSIZE : -EINVAL);

	/* Immediate data, 40 bytes at 72. */
	off = mk_cmd(b, 0x30, 0, 0, 0);
	srpt_put_be32(b + off, 40);
	full = 72 + 40;
	assert_int_equal(parse(b, full, &lim, &c), 0);
	for (len = 0; len < full; len++)
		assert_int_equal(parse(b, len, &lim, &c),
				 len < 48 ? -EMSGSIZE : -EINVAL);
}

/* ------------------------------- direct ---------------------------------- */

static void direct_write(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u64 va;
	u32 key, len;

	(void)s;
	mk_cmd(b, 0x10, 1, 0, 0);
	put_desc(b + 48, 0x0102030405060708ull, 0xdeadbeef, 4096);
	assert_int_equal(parse(b, 64, &lim_all, &c), 0);
	check_hdr(&c, 16);
	assert_int_equal(c.dir, SRPT_DIR_WRITE);
	assert_int_equal(c.data_len, 4096);
	assert_int_equal(c.nr_desc, 1);
	assert_int_equal(OFF(c.desc), 48);
	assert_null(c.imm_data);
	assert_false(c.ext_table);
	srpt_get_desc(c.desc, 0, &va, &key, &len);
	assert_true(va == 0x0102030405060708ull);
	assert_int_equal(key, 0xdeadbeef);
	assert_int_equal(len, 4096);
}

static void direct_read(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;

	(void)s;
	/* With 8 additional CDB bytes the descriptor moves to 56. */
	mk_cmd(b, 0x01, 0, 1, 8);
	put_desc(b + 56, 0xffff000000001000ull, 0x1234, 0x10000);
	assert_int_equal(parse(b, 72, &lim_all, &c), 0);
	check_hdr(&c, 24);
	assert_int_equal(c.dir, SRPT_DIR_READ);
	assert_int_equal(c.data_len, 0x10000);
	assert_int_equal(c.nr_desc, 1);
	assert_int_equal(OFF(c.desc), 56);
	assert_null(c.imm_data);
}

static void direct_zero_len(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;

	(void)s;
	mk_cmd(b, 0x01, 0, 1, 0);
	put_desc(b + 48, 0x1000, 1, 0);
	assert_int_equal(parse(b, 64, &lim_all, &c), 0);
	assert_int_equal(c.dir, SRPT_DIR_READ);
	assert_int_equal(c.data_len, 0);
	assert_int_equal(c.nr_desc, 1);
}

static void direct_past_iu(void **s)
{
	u8 b[MAXIU];
	u32 len;

	(void)s;
	mk_cmd(b, 0x10, 1, 0, 0);
	put_desc(b + 48, 0x1000, 1, 512);
	for (len = 48; len < 64; len++)
		expect_einval(b, len, &lim_all, 16);

	mk_cmd(b, 0x01, 0, 1, 4);
	put_desc(b + 52, 0x1000, 1, 512);
	expect_einval(b, 67, &lim_all, 20);
}

static void direct_max_data_len(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	lim.max_data_len = 65536;
	mk_cmd(b, 0x10, 1, 0, 0);
	put_desc(b + 48, 0x1000, 1, 65536);
	assert_int_equal(parse(b, 64, &lim, &c), 0);
	assert_int_equal(c.data_len, 65536);
	put_desc(b + 48, 0x1000, 1, 65537);
	expect_einval(b, 64, &lim, 16);
	put_desc(b + 48, 0x1000, 1, 0xffffffff);
	expect_einval(b, 64, &lim, 16);
	lim.max_data_len = 0xffffffff;
	assert_int_equal(parse(b, 64, &lim, &c), 0);
	assert_int_equal(c.data_len, 0xffffffff);
}

/* ---------------------------- format checks ------------------------------ */

static void bidirectional(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;
	unsigned int o, i;

	(void)s;
	lim.imm_data_offset = 64;
	for (o = 1; o < 16; o++) {
		for (i = 1; i < 16; i++) {
			mk_cmd(b, (u8)(o << 4 | i), 1, 1, 0);
			put_desc(b + 48, 0x1000, 1, 16);
			expect_einval(b, 256, &lim, 16);
		}
	}
}

static void unknown_format(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;
	unsigned int f;

	(void)s;
	lim.imm_data_offset = 64;
	lim.allow_ext_table = true;
	for (f = 4; f < 16; f++) {
		mk_cmd(b, (u8)(f << 4), 1, 0, 0);	/* data-out */
		put_desc(b + 48, 0x1000, 1, 16);
		expect_einval(b, 256, &lim, 16);
		mk_cmd(b, (u8)f, 0, 1, 0);		/* data-in */
		put_desc(b + 48, 0x1000, 1, 16);
		expect_einval(b, 256, &lim, 16);
	}
}

static void format_not_negotiated(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	/* Direct descriptor, only INDIRECT negotiated. */
	lim.buf_fmt = SRPT_BUF_FMT_INDIRECT;
	mk_cmd(b, 0x10, 1, 0, 0);
	put_desc(b + 48, 0x1000, 1, 512);
	expect_einval(b, 64, &lim, 16);
	mk_cmd(b, 0x01, 0, 1, 0);
	put_desc(b + 48, 0x1000, 1, 512);
	expect_einval(b, 64, &lim, 16);
	lim.buf_fmt = SRPT_BUF_FMT_DIRECT;
	assert_int_equal(parse(b, 64, &lim, &c), 0);

	/* Indirect descriptor, only DIRECT negotiated. */
	mk_cmd(b, 0x02, 0, 1, 0);
	put_ind(b + 48, 0x2000, 2, 16, 512);
	put_desc(b + 68, 0x1000, 1, 512);
	expect_einval(b, 84, &lim, 16);
	lim.buf_fmt = 0;
	expect_einval(b, 84, &lim, 16);
	lim.buf_fmt = SRPT_BUF_FMT_INDIRECT;
	assert_int_equal(parse(b, 84, &lim, &c), 0);
}

/* ------------------------------ indirect --------------------------------- */

/* Indirect command with @n in-IU descriptors of @dlen bytes each. */
static u32 mk_ind(u8 *b, bool write, u32 n, u32 dlen)
{
	u32 off, i;

	off = mk_cmd(b, write ? 0x20 : 0x02, write ? (u8)n : 0,
		     write ? 0 : (u8)n, 0);
	put_ind(b + off, 0xabcdef0012345678ull, 0x55aa55aa, 16 * n, n * dlen);
	for (i = 0; i < n; i++)
		put_desc(b + off + 20 + 16 * i, 0x100000ull * (i + 1), i,
			 dlen);
	return off + 20 + 16 * n;
}

static void indirect_one(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u32 len = mk_ind(b, false, 1, 8192);
	u64 va;
	u32 key, dl;

	(void)s;
	assert_int_equal(len, 84);
	assert_int_equal(parse(b, len, &lim_all, &c), 0);
	check_hdr(&c, 16);
	assert_int_equal(c.dir, SRPT_DIR_READ);
	assert_int_equal(c.data_len, 8192);
	assert_int_equal(c.nr_desc, 1);
	assert_int_equal(OFF(c.desc), 68);
	assert_false(c.ext_table);
	assert_null(c.imm_data);
	srpt_get_desc(c.desc, 0, &va, &key, &dl);
	assert_true(va == 0x100000);
	assert_int_equal(key, 0);
	assert_int_equal(dl, 8192);
}

static void indirect_two(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u32 len = mk_ind(b, true, 2, 4096);
	u64 va;
	u32 key, dl;

	(void)s;
	assert_int_equal(len, 100);
	/* Make the two lengths different: 4096 + 1000 = 5096. */
	srpt_put_be32(b + 68 + 16 + 12, 1000);
	srpt_put_be32(b + 48 + 16, 5096);
	assert_int_equal(parse(b, len, &lim_all, &c), 0);
	assert_int_equal(c.dir, SRPT_DIR_WRITE);
	assert_int_equal(c.data_len, 5096);
	assert_int_equal(c.nr_desc, 2);
	assert_int_equal(OFF(c.desc), 68);
	assert_false(c.ext_table);
	srpt_get_desc(c.desc, 1, &va, &key, &dl);
	assert_true(va == 0x200000);
	assert_int_equal(key, 1);
	assert_int_equal(dl, 1000);
}

static void indirect_255(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u32 len = mk_ind(b, true, 255, 512);
	u64 va;
	u32 key, dl;

	(void)s;
	assert_int_equal(len, 48 + 20 + 255 * 16);
	assert_int_equal(parse(b, len, &lim_all, &c), 0);
	assert_int_equal(c.dir, SRPT_DIR_WRITE);
	assert_int_equal(c.data_len, 255 * 512);
	assert_int_equal(c.nr_desc, 255);
	assert_int_equal(OFF(c.desc), 68);
	assert_false(c.ext_table);
	srpt_get_desc(c.desc, 254, &va, &key, &dl);
	assert_true(va == 0x100000ull * 255);
	assert_int_equal(key, 254);
	assert_int_equal(dl, 512);

	/* One byte short: the last descriptor is past the IU. */
	expect_einval(b, len - 1, &lim_all, 16);
}

static void indirect_with_add_cdb(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u32 off;

	(void)s;
	off = mk_cmd(b, 0x02, 0, 2, 16);
	assert_int_equal(off, 64);
	put_ind(b + off, 0x1000, 9, 32, 300);
	put_desc(b + off + 20, 0x2000, 1, 100);
	put_desc(b + off + 36, 0x3000, 2, 200);
	assert_int_equal(parse(b, off + 52, &lim_all, &c), 0);
	check_hdr(&c, 32);
	assert_int_equal(OFF(c.desc), 84);
	assert_int_equal(c.nr_desc, 2);
	assert_int_equal(c.data_len, 300);
	expect_einval(b, off + 51, &lim_all, 32);
}

static void indirect_zero_len_desc(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u32 len = mk_ind(b, false, 3, 0);

	(void)s;
	assert_int_equal(parse(b, len, &lim_all, &c), 0);
	assert_int_equal(c.data_len, 0);
	assert_int_equal(c.nr_desc, 3);

	/* Mixed: 0 + 700 + 0. */
	srpt_put_be32(b + 68 + 16 + 12, 700);
	srpt_put_be32(b + 48 + 16, 700);
	assert_int_equal(parse(b, len, &lim_all, &c), 0);
	assert_int_equal(c.data_len, 700);
	assert_int_equal(c.nr_desc, 3);
}

static void indirect_hdr_past_iu(void **s)
{
	u8 b[MAXIU];
	u32 len;

	(void)s;
	mk_ind(b, false, 0, 0);
	srpt_put_be32(b + 48 + 12, 16);	/* external table of 1 */
	for (len = 48; len < 68; len++)
		expect_einval(b, len, &lim_all, 16);
}

static void indirect_desc_past_iu(void **s)
{
	u8 b[MAXIU];
	u32 len = mk_ind(b, true, 2, 512);
	u32 l;

	(void)s;
	for (l = 68; l < len; l++)
		expect_einval(b, l, &lim_all, 16);
}

static void indirect_bad_table_len(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;
	static const u32 bad[] = { 0, 1, 8, 15, 17, 24, 31, 33, 0xfffffff0 + 1,
				   0xffffffff };
	unsigned int i;

	(void)s;
	lim.allow_ext_table = true;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u32 len = mk_ind(b, false, 1, 512);

		srpt_put_be32(b + 48 + 12, bad[i]);
		expect_einval(b, len, &lim, 16);
		expect_einval(b, len, &lim_all, 16);
	}
	/* Zero table length with a zero in-IU count as well. */
	mk_ind(b, false, 0, 0);
	expect_einval(b, 68, &lim, 16);
}

static void indirect_nr_below_count(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;
	u32 len = mk_ind(b, true, 3, 512);

	(void)s;
	lim.allow_ext_table = true;
	srpt_put_be32(b + 48 + 12, 32);	/* table says 2, IU says 3 */
	expect_einval(b, len, &lim, 16);
	srpt_put_be32(b + 48 + 12, 16);
	expect_einval(b, len, &lim, 16);
}

static void indirect_sum_mismatch(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	u32 len = mk_ind(b, true, 2, 512);

	(void)s;
	assert_int_equal(parse(b, len, &lim_all, &c), 0);
	srpt_put_be32(b + 48 + 16, 1025);
	expect_einval(b, len, &lim_all, 16);
	srpt_put_be32(b + 48 + 16, 1023);
	expect_einval(b, len, &lim_all, 16);
	srpt_put_be32(b + 48 + 16, 0);
	expect_einval(b, len, &lim_all, 16);
}

static void indirect_sum_overflow(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;
	u32 len = mk_ind(b, false, 2, 0);

	(void)s;
	lim.max_data_len = 0xffffffff;
	/* 0xffffffff + 1 wraps to 0, which is the total: must not match. */
	srpt_put_be32(b + 68 + 12, 0xffffffff);
	srpt_put_be32(b + 84 + 12, 1);
	srpt_put_be32(b + 48 + 16, 0);
	expect_einval(b, len, &lim, 16);
	/* 0x80000000 * 2 wraps to 0 as well. */
	srpt_put_be32(b + 68 + 12, 0x80000000);
	srpt_put_be32(b + 84 + 12, 0x80000000);
	expect_einval(b, len, &lim, 16);
	/* 0x80000000 + 0x7fffffff is exactly 0xffffffff: valid. */
	srpt_put_be32(b + 84 + 12, 0x7fffffff);
	srpt_put_be32(b + 48 + 16, 0xffffffff);
	{
		struct srpt_cmd_iu c;

		assert_int_equal(parse(b, len, &lim, &c), 0);
		assert_int_equal(c.data_len, 0xffffffff);
	}
}

static void indirect_max_data_len(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;
	u32 len = mk_ind(b, true, 4, 1024);

	(void)s;
	lim.max_data_len = 4096;
	assert_int_equal(parse(b, len, &lim, &c), 0);
	lim.max_data_len = 4095;
	expect_einval(b, len, &lim, 16);
}

static void ext_table_refused(void **s)
{
	u8 b[MAXIU];
	u32 len = mk_ind(b, true, 1, 512);

	(void)s;
	srpt_put_be32(b + 48 + 12, 64);		/* 4 descriptors, 1 in IU */
	srpt_put_be32(b + 48 + 16, 2048);
	expect_einval(b, len, &lim_all, 16);

	mk_ind(b, false, 0, 0);
	srpt_put_be32(b + 48 + 12, 16);
	srpt_put_be32(b + 48 + 16, 512);
	expect_einval(b, 68, &lim_all, 16);
}

static void ext_table_allowed(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;
	u32 len;

	(void)s;
	lim.allow_ext_table = true;

	/* No descriptor in the IU at all. */
	mk_ind(b, false, 0, 0);
	srpt_put_be32(b + 48 + 12, 64);
	srpt_put_be32(b + 48 + 16, 4 * 4096);
	assert_int_equal(parse(b, 68, &lim, &c), 0);
	check_hdr(&c, 16);
	assert_int_equal(c.dir, SRPT_DIR_READ);
	assert_true(c.ext_table);
	assert_int_equal(c.nr_desc, 0);
	assert_null(c.desc);
	assert_int_equal(c.nr_ext_desc, 4);
	assert_true(c.table_va == 0xabcdef0012345678ull);
	assert_int_equal(c.table_rkey, 0x55aa55aa);
	assert_int_equal(c.table_len, 64);
	assert_int_equal(c.data_len, 4 * 4096);
	assert_null(c.imm_data);

	/* Two of 300 descriptors in the IU; sum is not checked. */
	len = mk_ind(b, true, 2, 512);
	srpt_put_be32(b + 48 + 12, 300 * 16);
	srpt_put_be32(b + 48 + 16, 300 * 512 + 5);
	assert_int_equal(parse(b, len, &lim, &c), 0);
	assert_int_equal(c.dir, SRPT_DIR_WRITE);
	assert_true(c.ext_table);
	assert_int_equal(c.nr_desc, 2);
	assert_int_equal(OFF(c.desc), 68);
	assert_int_equal(c.nr_ext_desc, 300);
	assert_int_equal(c.table_len, 4800);
	assert_int_equal(c.data_len, 300 * 512 + 5);

	/* max_data_len still applies. */
	lim.max_data_len = 300 * 512 + 4;
	expect_einval(b, len, &lim, 16);

	/* In-IU part must still be inside the IU. */
	lim.max_data_len = 1 << 20;
	expect_einval(b, len - 1, &lim, 16);
}

static void in_iu_table_not_ext(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;
	u32 len = mk_ind(b, false, 2, 512);

	(void)s;
	/* allow_ext_table does not change the whole-table-in-IU case. */
	lim.allow_ext_table = true;
	assert_int_equal(parse(b, len, &lim, &c), 0);
	assert_false(c.ext_table);
	assert_int_equal(c.nr_desc, 2);
	srpt_put_be32(b + 48 + 16, 1000);
	expect_einval(b, len, &lim, 16);
}

/* ---------------------------- immediate data ----------------------------- */

static void imm_ok(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	lim.imm_data_offset = 64;
	mk_cmd(b, 0x30, 0, 0, 0);
	srpt_put_be32(b + 48, 100);
	memset(b + 64, 0x77, 100);
	assert_int_equal(parse(b, 164, &lim, &c), 0);
	check_hdr(&c, 16);
	assert_int_equal(c.dir, SRPT_DIR_WRITE);
	assert_int_equal(c.data_len, 100);
	assert_int_equal(OFF(c.imm_data), 64);
	assert_int_equal(c.imm_data[99], 0x77);
	assert_int_equal(c.nr_desc, 0);
	assert_null(c.desc);
	assert_false(c.ext_table);

	/* Extra bytes after the data are fine. */
	assert_int_equal(parse(b, 300, &lim, &c), 0);
	assert_int_equal(c.data_len, 100);

	/* Zero-length immediate data. */
	srpt_put_be32(b + 48, 0);
	assert_int_equal(parse(b, 64, &lim, &c), 0);
	assert_int_equal(c.data_len, 0);
	assert_int_equal(OFF(c.imm_data), 64);
}

static void imm_adjacent_to_header(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	/* Header at 48..51, data right after it at 52. */
	lim.imm_data_offset = 52;
	mk_cmd(b, 0x30, 0, 0, 0);
	srpt_put_be32(b + 48, 12);
	assert_int_equal(parse(b, 64, &lim, &c), 0);
	assert_int_equal(OFF(c.imm_data), 52);
	assert_int_equal(c.data_len, 12);

	/* With 16 additional CDB bytes the header is at 64..67. */
	lim.imm_data_offset = 68;
	mk_cmd(b, 0x30, 0, 0, 16);
	srpt_put_be32(b + 64, 12);
	assert_int_equal(parse(b, 80, &lim, &c), 0);
	assert_int_equal(OFF(c.imm_data), 68);
	check_hdr(&c, 32);
}

static void imm_overlap(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;
	u32 o;

	(void)s;
	mk_cmd(b, 0x30, 0, 0, 0);
	srpt_put_be32(b + 48, 4);
	for (o = 1; o < 52; o++) {
		lim.imm_data_offset = (u16)o;
		expect_einval(b, 256, &lim, 16);
	}
	/* Additional CDB pushes the header to 64: 52..67 now overlap. */
	mk_cmd(b, 0x30, 0, 0, 16);
	srpt_put_be32(b + 64, 4);
	for (o = 52; o < 68; o++) {
		lim.imm_data_offset = (u16)o;
		expect_einval(b, 256, &lim, 32);
	}
}

static void imm_past_iu(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	lim.imm_data_offset = 64;
	mk_cmd(b, 0x30, 0, 0, 0);
	srpt_put_be32(b + 48, 100);
	expect_einval(b, 163, &lim, 16);
	expect_einval(b, 64, &lim, 16);

	/* Data offset itself past the IU, even for zero-length data. */
	srpt_put_be32(b + 48, 0);
	expect_einval(b, 63, &lim, 16);
}

static void imm_hdr_past_iu(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;
	u32 len;

	(void)s;
	lim.imm_data_offset = 52;
	mk_cmd(b, 0x30, 0, 0, 0);
	for (len = 48; len < 52; len++)
		expect_einval(b, len, &lim, 16);
}

static void imm_wrap(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	lim.max_data_len = 0xffffffff;
	lim.imm_data_offset = 64;
	mk_cmd(b, 0x30, 0, 0, 0);
	/* 64 + 0xffffffff wraps to 63 (< len) without an overflow check. */
	srpt_put_be32(b + 48, 0xffffffff);
	expect_einval(b, 200, &lim, 16);
	/* 64 + 0xffffffc0 wraps to exactly 0. */
	srpt_put_be32(b + 48, 0xffffffc0);
	expect_einval(b, 200, &lim, 16);
	srpt_put_be32(b + 48, 0xfffffff0);	/* wraps to 48 */
	expect_einval(b, 200, &lim, 16);
	lim.imm_data_offset = 0xffff;
	srpt_put_be32(b + 48, 0xffff0001);
	expect_einval(b, 200, &lim, 16);
}

static void imm_data_in(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	lim.imm_data_offset = 64;
	mk_cmd(b, 0x03, 0, 0, 0);
	srpt_put_be32(b + 48, 16);
	expect_einval(b, 80, &lim, 16);
}

static void imm_not_negotiated(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	lim.imm_data_offset = 0;
	mk_cmd(b, 0x30, 0, 0, 0);
	srpt_put_be32(b + 48, 16);
	expect_einval(b, 80, &lim, 16);
}

static void imm_max_data_len(void **s)
{
	u8 b[MAXIU];
	struct srpt_cmd_iu c;
	struct srpt_cmd_limits lim = lim_all;

	(void)s;
	lim.imm_data_offset = 64;
	lim.max_data_len = 16;
	mk_cmd(b, 0x30, 0, 0, 0);
	srpt_put_be32(b + 48, 16);
	assert_int_equal(parse(b, 80, &lim, &c), 0);
	srpt_put_be32(b + 48, 17);
	expect_einval(b, 81, &lim, 16);
}

/* ---------------------------- desc_total --------------------------------- */

static void desc_total(void **s)
{
	u8 d[4 * 16];
	u32 total = 12345;

	(void)s;
	memset(d, 0, sizeof(d));
	assert_true(srpt_desc_total(d, 0, &total));
	assert_int_equal(total, 0);

	put_desc(d, 1, 1, 10);
	put_desc(d + 16, 1, 1, 20);
	put_desc(d + 32, 1, 1, 0);
	put_desc(d + 48, 1, 1, 0xffffffff - 30);
	assert_true(srpt_desc_total(d, 2, &total));
	assert_int_equal(total, 30);
	assert_true(srpt_desc_total(d, 4, &total));
	assert_int_equal(total, 0xffffffff);

	put_desc(d + 32, 1, 1, 1);
	assert_false(srpt_desc_total(d, 4, &total));
}

/* ------------------------- desc_page_shaped ------------------------------ */

static void desc_page_shaped(void **s)
{
	u8 d[4 * 16];

	(void)s;
	memset(d, 0, sizeof(d));
	assert_true(srpt_desc_page_shaped(d, 0, 4096));
	assert_true(srpt_desc_page_shaped(d, 4, 4096));	/* all empty */

	/* Whole pages, then any tail: the per-descriptor buffers concatenate
	 * into whole pages. */
	put_desc(d, 1, 1, 8192);
	put_desc(d + 16, 1, 1, 4096);
	put_desc(d + 32, 1, 1, 100);
	assert_true(srpt_desc_page_shaped(d, 3, 4096));
	/* Trailing empty descriptors do not count as "the last". */
	assert_true(srpt_desc_page_shaped(d, 4, 4096));
	/* One descriptor of any length. */
	put_desc(d, 1, 1, 3584);
	assert_true(srpt_desc_page_shaped(d, 1, 4096));
	/* ...but not before another one: 3584 + 4096 leaves a short segment
	 * in the middle (ib_srp never_register=1 on a buffer 512 bytes into a
	 * page). */
	assert_false(srpt_desc_page_shaped(d, 2, 4096));
	/* An empty descriptor between whole pages is harmless. */
	put_desc(d, 1, 1, 4096);
	put_desc(d + 16, 1, 1, 0);
	put_desc(d + 32, 1, 1, 4096);
	put_desc(d + 48, 1, 1, 1);
	assert_true(srpt_desc_page_shaped(d, 4, 4096));
	put_desc(d + 16, 1, 1, 512);
	assert_false(srpt_desc_page_shaped(d, 4, 4096));
	assert_true(srpt_desc_page_shaped(d, 4, 512));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(no_data),
		T(no_data_nothing_negotiated),
		T(add_cdb_len),
		T(cdb_past_iu),
		T(truncated),
		T(prefixes),
		T(direct_write),
		T(direct_read),
		T(direct_zero_len),
		T(direct_past_iu),
		T(direct_max_data_len),
		T(bidirectional),
		T(unknown_format),
		T(format_not_negotiated),
		T(indirect_one),
		T(indirect_two),
		T(indirect_255),
		T(indirect_with_add_cdb),
		T(indirect_zero_len_desc),
		T(indirect_hdr_past_iu),
		T(indirect_desc_past_iu),
		T(indirect_bad_table_len),
		T(indirect_nr_below_count),
		T(indirect_sum_mismatch),
		T(indirect_sum_overflow),
		T(indirect_max_data_len),
		T(ext_table_refused),
		T(ext_table_allowed),
		T(in_iu_table_not_ext),
		T(imm_ok),
		T(imm_adjacent_to_header),
		T(imm_overlap),
		T(imm_past_iu),
		T(imm_hdr_past_iu),
		T(imm_wrap),
		T(imm_data_in),
		T(imm_not_negotiated),
		T(imm_max_data_len),
		T(desc_total),
		T(desc_page_shaped),
	};

	return RUN("srp_cmd", tests);
}
