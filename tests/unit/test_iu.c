// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for generic IU helpers, SRP_TSK_MGMT parsing and the SRP_RSP /
 * SRP_T_LOGOUT builders.
 */
#include "helpers.h"

static void iu_opcode(void **s)
{
	u8 b[1];
	unsigned int op;

	(void)s;
	assert_int_equal(srpt_iu_opcode(exact_copy(b, 0), 0), -EINVAL);
	for (op = 0; op < 256; op++) {
		b[0] = (u8)op;
		assert_int_equal(srpt_iu_opcode(exact_copy(b, 1), 1), op);
	}
}

static void iu_tag(void **s)
{
	u8 b[16];
	u64 tag;
	u32 len;

	(void)s;
	memset(b, 0xee, 8);
	memcpy(b + 8, tag_bytes, 8);
	for (len = 0; len < 16; len++) {
		tag = 1;
		assert_false(srpt_iu_tag(exact_copy(b, len), len, &tag));
	}
	assert_true(srpt_iu_tag(exact_copy(b, 16), 16, &tag));
	assert_true(tag == tag_val());
}

static void iu_min_len(void **s)
{
	unsigned int op;

	(void)s;
	for (op = 0; op < 256; op++) {
		u32 exp;

		switch (op) {
		case 0x01: case 0x02:
			exp = 48;
			break;
		case 0x03: case 0x41: case 0x42:
			exp = 16;
			break;
		default:
			exp = 0;
		}
		assert_int_equal(srpt_iu_min_len((u8)op), exp);
	}
	assert_int_equal(srpt_iu_min_len(SRPT_OP_LOGIN_REQ), 0);
	assert_int_equal(srpt_iu_min_len(SRPT_OP_RSP), 0);
}

/* ------------------------------- tsk_mgmt -------------------------------- */

static void mk_tsk(u8 *b)
{
	int i;

	/* Every byte distinct so that a wrong offset shows. */
	for (i = 0; i < 48; i++)
		b[i] = (u8)(0xa0 + i);
	b[0] = SRPT_OP_TSK_MGMT;
	memcpy(b + 8, tag_bytes, 8);
	b[30] = SRPT_TSK_ABORT_TASK;
}

static void tsk_mgmt_ok(void **s)
{
	u8 b[64];
	struct srpt_tsk_mgmt_iu t;
	static const u8 lun[8] = { 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba,
				   0xbb };
	static const u8 task_tag[8] = { 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5,
					0xc6, 0xc7 };

	(void)s;
	memset(b, 0, sizeof(b));
	mk_tsk(b);
	memset(&t, 0x5a, sizeof(t));
	assert_int_equal(srpt_parse_tsk_mgmt(exact_copy(b, 48), 48, &t), 0);
	assert_true(t.tag == tag_val());
	assert_memory_equal(t.lun, lun, 8);
	assert_int_equal(t.function, SRPT_TSK_ABORT_TASK);
	assert_true(t.task_tag == bytes_tag(task_tag));

	b[30] = SRPT_TSK_LUN_RESET;
	assert_int_equal(srpt_parse_tsk_mgmt(exact_copy(b, 64), 64, &t), 0);
	assert_int_equal(t.function, SRPT_TSK_LUN_RESET);

	/* Function is raw, not validated. */
	b[30] = 0xff;
	assert_int_equal(srpt_parse_tsk_mgmt(exact_copy(b, 48), 48, &t), 0);
	assert_int_equal(t.function, 0xff);
}

static void tsk_mgmt_short(void **s)
{
	u8 b[48];
	struct srpt_tsk_mgmt_iu t;
	u32 len;

	(void)s;
	mk_tsk(b);
	for (len = 0; len < 48; len++) {
		memset(&t, 0x5a, sizeof(t));
		assert_int_equal(srpt_parse_tsk_mgmt(exact_copy(b, len), len,
						     &t), -EMSGSIZE);
		if (len >= 16)
			assert_true(t.tag == tag_val());
		else
			assert_true(t.tag == 0);
		assert_bytes(t.lun, 8, 0);
		assert_int_equal(t.function, 0);
		assert_true(t.task_tag == 0);
	}
}

/* -------------------------------- SRP_RSP -------------------------------- */

static struct srpt_rsp_info base_info(void)
{
	struct srpt_rsp_info i;

	memset(&i, 0, sizeof(i));
	i.tag = tag_val();
	i.req_lim_delta = 0x01020304;
	i.status = 0x02;		/* CHECK CONDITION */
	return i;
}

static void rsp_plain(void **s)
{
	u8 b[128];
	struct srpt_rsp_info i = base_info();
	static const u8 exp[36] = {
		0xc1, 0, 0, 0, 0x01, 0x02, 0x03, 0x04,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0, 0, 0x00, 0x02, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0,
	};

	(void)s;
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, sizeof(b), &i), 36);
	assert_memory_equal(b, exp, 36);
	assert_bytes(b + 36, sizeof(b) - 36, 0xaa);

	/* Exact size. */
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, 36, &i), 36);
	assert_memory_equal(b, exp, 36);

	/* Too small. */
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, 35, &i), 0);
	assert_int_equal(srpt_build_rsp(b, 0, &i), 0);
	assert_bytes(b, sizeof(b), 0xaa);

	/* sense_len without a sense pointer: no sense. */
	i.sense_len = 18;
	assert_int_equal(srpt_build_rsp(b, sizeof(b), &i), 36);
	assert_memory_equal(b, exp, 36);
}

static void rsp_resid(void **s)
{
	static const struct {
		u8 flag;
		int off;		/* 20 = data_out_res_cnt, 24 = data_in */
	} cases[] = {
		{ SRPT_RSP_FLAG_DOUNDER, 20 },
		{ SRPT_RSP_FLAG_DOOVER, 20 },
		{ SRPT_RSP_FLAG_DIUNDER, 24 },
		{ SRPT_RSP_FLAG_DIOVER, 24 },
	};
	u8 b[64];
	unsigned int k;

	(void)s;
	for (k = 0; k < 4; k++) {
		struct srpt_rsp_info i = base_info();

		i.status = 0;
		i.resid_flag = cases[k].flag;
		i.resid = 0xa0b0c0d0;
		memset(b, 0xaa, sizeof(b));
		assert_int_equal(srpt_build_rsp(b, sizeof(b), &i), 36);
		assert_int_equal(b[0], 0xc1);
		assert_int_equal(b[18], cases[k].flag);
		assert_int_equal(b[19], 0);
		assert_int_equal(srpt_get_be32(b + cases[k].off), 0xa0b0c0d0);
		assert_int_equal(srpt_get_be32(b + (cases[k].off == 20 ?
							24 : 20)), 0);
		assert_int_equal(srpt_get_be32(b + 28), 0);
		assert_int_equal(srpt_get_be32(b + 32), 0);
		assert_int_equal(b[36], 0xaa);
	}

	/* No flag: resid ignored. */
	{
		struct srpt_rsp_info i = base_info();

		i.resid = 77;
		assert_int_equal(srpt_build_rsp(b, sizeof(b), &i), 36);
		assert_int_equal(b[18], 0);
		assert_int_equal(srpt_get_be32(b + 20), 0);
		assert_int_equal(srpt_get_be32(b + 24), 0);
	}
}

static void rsp_sense(void **s)
{
	u8 b[128], sense[18];
	struct srpt_rsp_info i = base_info();
	int k;

	(void)s;
	for (k = 0; k < 18; k++)
		sense[k] = (u8)(0x70 + k);
	i.sense = sense;
	i.sense_len = 18;
	i.resid_flag = SRPT_RSP_FLAG_DIUNDER;
	i.resid = 512;

	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, sizeof(b), &i), 36 + 18);
	assert_int_equal(b[0], 0xc1);
	assert_int_equal(b[1], 0);
	assert_bytes(b + 2, 2, 0);
	assert_int_equal(srpt_get_be32(b + 4), 0x01020304);
	assert_memory_equal(b + 8, tag_bytes, 8);
	assert_bytes(b + 16, 2, 0);
	assert_int_equal(b[18], SRPT_RSP_FLAG_SNSVALID |
				SRPT_RSP_FLAG_DIUNDER);
	assert_int_equal(b[19], 0x02);
	assert_int_equal(srpt_get_be32(b + 20), 0);
	assert_int_equal(srpt_get_be32(b + 24), 512);
	assert_int_equal(srpt_get_be32(b + 28), 18);
	assert_int_equal(srpt_get_be32(b + 32), 0);
	assert_memory_equal(b + 36, sense, 18);
	assert_bytes(b + 54, sizeof(b) - 54, 0xaa);

	/* Exactly enough room. */
	assert_int_equal(srpt_build_rsp(b, 54, &i), 54);
	assert_int_equal(srpt_get_be32(b + 28), 18);
}

static void rsp_sense_truncated(void **s)
{
	u8 b[128], sense[96];
	struct srpt_rsp_info i = base_info();
	int k;

	(void)s;
	for (k = 0; k < 96; k++)
		sense[k] = (u8)k;
	i.sense = sense;
	i.sense_len = 96;

	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, 46, &i), 46);
	assert_int_equal(b[18], SRPT_RSP_FLAG_SNSVALID);
	assert_int_equal(srpt_get_be32(b + 28), 10);
	assert_memory_equal(b + 36, sense, 10);
	assert_int_equal(b[46], 0xaa);

	/* No room at all for sense: plain response, no SNSVALID. */
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, 36, &i), 36);
	assert_int_equal(b[18], 0);
	assert_int_equal(srpt_get_be32(b + 28), 0);
	assert_int_equal(b[36], 0xaa);

	/* One byte. */
	assert_int_equal(srpt_build_rsp(b, 37, &i), 37);
	assert_int_equal(srpt_get_be32(b + 28), 1);
	assert_int_equal(b[36], 0);
}

static void rsp_code(void **s)
{
	u8 b[64], sense[18];
	struct srpt_rsp_info i = base_info();
	static const u8 exp[40] = {
		0xc1, 0, 0, 0, 0x01, 0x02, 0x03, 0x04,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
		0, 0, 0x01, 0x00, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 4, 0, 0, 0, 0x05,
	};

	(void)s;
	memset(sense, 0x70, sizeof(sense));
	i.status = 0;
	i.rsp_code_valid = true;
	i.rsp_code = SRPT_TSK_MGMT_FAILED;
	/* Sense data is ignored when a response code is sent. */
	i.sense = sense;
	i.sense_len = sizeof(sense);

	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, sizeof(b), &i), 40);
	assert_memory_equal(b, exp, 40);
	assert_bytes(b + 40, sizeof(b) - 40, 0xaa);

	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, 40, &i), 40);
	assert_memory_equal(b, exp, 40);

	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_rsp(b, 39, &i), 0);
	assert_int_equal(srpt_build_rsp(b, 36, &i), 0);
	assert_bytes(b, sizeof(b), 0xaa);

	i.rsp_code = SRPT_TSK_MGMT_SUCCESS;
	assert_int_equal(srpt_build_rsp(b, 40, &i), 40);
	assert_int_equal(b[39], 0);
	assert_int_equal(b[18], SRPT_RSP_FLAG_RSPVALID);
	assert_int_equal(srpt_get_be32(b + 32), 4);
}

/* ------------------------------- T_LOGOUT -------------------------------- */

static void t_logout(void **s)
{
	u8 b[32];
	static const u8 exp[16] = {
		0x80, 0, 0, 0, 0x00, 0x00, 0x00, 0x08,
		0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
	};

	(void)s;
	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_t_logout(b, sizeof(b), tag_val(),
			 SRPT_T_LOGOUT_INVALID_IU_LEN), 16);
	assert_memory_equal(b, exp, 16);
	assert_bytes(b + 16, 16, 0xaa);

	assert_int_equal(srpt_build_t_logout(b, 16, 0, 0x12345678), 16);
	assert_int_equal(b[0], 0x80);
	assert_int_equal(srpt_get_be32(b + 4), 0x12345678);
	assert_bytes(b + 8, 8, 0);

	memset(b, 0xaa, sizeof(b));
	assert_int_equal(srpt_build_t_logout(b, 15, tag_val(), 0), 0);
	assert_bytes(b, sizeof(b), 0xaa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(iu_opcode),
		T(iu_tag),
		T(iu_min_len),
		T(tsk_mgmt_ok),
		T(tsk_mgmt_short),
		T(rsp_plain),
		T(rsp_resid),
		T(rsp_sense),
		T(rsp_sense_truncated),
		T(rsp_code),
		T(t_logout),
	};

	return RUN("iu", tests);
}
