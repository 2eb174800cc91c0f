// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Write a seed corpus of valid IUs and names for fuzz_proto into the
 * directory given as argv[1].  The output is deterministic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "srpt_proto.h"

static const char *dir;

static void put(const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void put_str(const char *name, const char *s)
{
	put(name, s, strlen(s));
}

static void desc(u8 *p, u64 va, u32 key, u32 len)
{
	srpt_put_be64(p, va);
	srpt_put_be32(p + 8, key);
	srpt_put_be32(p + 12, len);
}

/* SRP_CMD header with a READ(10)/WRITE(10) CDB. */
static void cmd(u8 *b, u8 fmt, u8 do_cnt, u8 di_cnt, u8 add_cdb_len)
{
	memset(b, 0, 512);
	b[0] = SRPT_OP_CMD;
	b[5] = fmt;
	b[6] = do_cnt;
	b[7] = di_cnt;
	memset(b + 8, 0x42, 8);
	b[21] = 1;
	b[31] = add_cdb_len;
	b[32] = (fmt & 0xf0) ? 0x2a : 0x28;
	b[39] = 0;
	b[40] = 8;
}

int main(int argc, char **argv)
{
	static const u8 tgt[16] = {
		0x00, 0x02, 0xc9, 0x03, 0x00, 0xa1, 0xb2, 0xc3,
		0x00, 0x02, 0xc9, 0x03, 0x00, 0xa1, 0xb2, 0xc3,
	};
	u8 b[512];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	if (mkdir(dir, 0755) && errno != EEXIST) {
		perror(dir);
		return 1;
	}

	/* IB/CM login request, immediate data at 68. */
	memset(b, 0, sizeof(b));
	b[0] = SRPT_OP_LOGIN_REQ;
	memset(b + 8, 0x42, 8);
	srpt_put_be32(b + 16, 8192);
	srpt_put_be16(b + 24, SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT);
	b[26] = SRPT_IMMED_REQUESTED | SRPT_MULTICHAN_MULTI;
	srpt_put_be16(b + 28, 68);
	memset(b + 32, 0x10, 16);
	memcpy(b + 48, tgt, 16);
	put("login_ib", b, SRPT_LOGIN_REQ_LEN);

	/* RDMA/CM login request. */
	memset(b, 0, sizeof(b));
	memset(b, 0x42, 8);
	srpt_put_be16(b + 8, SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT);
	b[10] = SRPT_IMMED_REQUESTED;
	b[11] = SRPT_OP_LOGIN_REQ;
	srpt_put_be32(b + 12, 4096);
	memset(b + 16, 0x10, 16);
	memcpy(b + 32, tgt, 16);
	srpt_put_be16(b + 48, 52);
	put("login_rdma", b, SRPT_LOGIN_REQ_RDMA_LEN);

	cmd(b, 0x00, 0, 0, 0);
	b[32] = 0x00;			/* TEST UNIT READY */
	put("cmd_none", b, 48);

	cmd(b, 0x01, 0, 1, 0);
	desc(b + 48, 0x7f0000001000ull, 0x1234, 4096);
	put("cmd_direct_read", b, 64);

	cmd(b, 0x10, 1, 0, 0);
	desc(b + 48, 0x7f0000002000ull, 0x1234, 4096);
	put("cmd_direct_write", b, 64);

	cmd(b, 0x02, 0, 2, 16);		/* 32-byte CDB */
	desc(b + 64, 0x7f0000003000ull, 0x99, 32);
	srpt_put_be32(b + 80, 8192);
	desc(b + 84, 0x7f0000004000ull, 0x1234, 4096);
	desc(b + 100, 0x7f0000005000ull, 0x1234, 4096);
	put("cmd_indirect2", b, 116);

	cmd(b, 0x20, 1, 0, 0);		/* 1 of 8 descriptors in the IU */
	desc(b + 48, 0x7f0000006000ull, 0x99, 8 * 16);
	srpt_put_be32(b + 64, 8 * 512);
	desc(b + 68, 0x7f0000007000ull, 0x1234, 512);
	put("cmd_indirect_ext", b, 84);

	cmd(b, 0x30, 0, 0, 0);		/* 12 immediate bytes at 52 */
	srpt_put_be32(b + 48, 12);
	memset(b + 52, 0xd5, 12);
	put("cmd_imm52", b, 64);

	cmd(b, 0x30, 0, 0, 0);		/* 16 immediate bytes at 64 */
	srpt_put_be32(b + 48, 16);
	memset(b + 64, 0xd5, 16);
	put("cmd_imm64", b, 80);

	memset(b, 0, sizeof(b));
	b[0] = SRPT_OP_TSK_MGMT;
	memset(b + 8, 0x43, 8);
	b[21] = 1;
	b[30] = SRPT_TSK_ABORT_TASK;
	memset(b + 32, 0x42, 8);
	put("tsk_mgmt", b, SRPT_TSK_MGMT_LEN);

	memset(b, 0, sizeof(b));
	b[0] = SRPT_OP_I_LOGOUT;
	memset(b + 8, 0x44, 8);
	put("i_logout", b, SRPT_I_LOGOUT_LEN);

	put_str("name_guid", "0002:c903:00a1:b2c3");
	put_str("name_gid", "0xfe800000000000000002c90300a1b2c3");
	put_str("name_short", "0x1234");
	return 0;
}
