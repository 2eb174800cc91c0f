// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * SRP wire format: parsing, validation and IU builders.
 *
 * Pure C, no kernel calls: built into ib_srpt.ko and into the userspace unit
 * tests and fuzzers.  Every parser is given the number of bytes that arrived
 * and never reads past it.  See srpt_proto.h for the contracts.
 */
#include "srpt_proto.h"

/* ------------------------------- helpers -------------------------------- */

static u64 srpt_get_tag(const u8 *p)
{
	u64 tag;

	memcpy(&tag, p, sizeof(tag));
	return tag;
}

static void srpt_put_tag(u8 *p, u64 tag)
{
	memcpy(p, &tag, sizeof(tag));
}

/* Value of hex digit @c, or -1 if @c is not a hex digit. */
static int srpt_hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char srpt_hex_digits[16] = "0123456789abcdef";

static char *srpt_put_hex_byte(char *out, u8 b)
{
	*out++ = srpt_hex_digits[b >> 4];
	*out++ = srpt_hex_digits[b & 0xf];
	return out;
}

/*
 * Decode @n (even) hex digits at @s into @n / 2 bytes at @out.  Returns false
 * if any character is not a hex digit.
 */
static bool srpt_decode_hex(const char *s, size_t n, u8 *out)
{
	size_t i;

	for (i = 0; i < n; i += 2) {
		int hi = srpt_hex_val(s[i]);
		int lo = srpt_hex_val(s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (u8)((hi << 4) | lo);
	}
	return true;
}

/* Length of @s, but at most @max (never reads more than @max + 1 chars). */
static size_t srpt_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

static bool srpt_has_0x(const char *s)
{
	return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

/* ------------------------------- login ---------------------------------- */

/* Byte offsets of the login request fields in one CM flavour. */
struct srpt_login_layout {
	u8 len;
	u8 opcode;
	u8 tag;
	u8 req_it_iu_len;
	u8 req_buf_fmt;
	u8 req_flags;
	u8 imm_data_offset;
	u8 initiator_port_id;
	u8 target_port_id;
};

static const struct srpt_login_layout srpt_login_ib = {
	.len			= SRPT_LOGIN_REQ_LEN,
	.opcode			= 0,
	.tag			= 8,
	.req_it_iu_len		= 16,
	.req_buf_fmt		= 24,
	.req_flags		= 26,
	.imm_data_offset	= 28,
	.initiator_port_id	= 32,
	.target_port_id		= 48,
};

static const struct srpt_login_layout srpt_login_rdma = {
	.len			= SRPT_LOGIN_REQ_RDMA_LEN,
	.opcode			= 11,
	.tag			= 0,
	.req_it_iu_len		= 12,
	.req_buf_fmt		= 8,
	.req_flags		= 10,
	.imm_data_offset	= 48,
	.initiator_port_id	= 16,
	.target_port_id		= 32,
};

/**
 * srpt_parse_login() - parse either login request flavour
 * @p:		private data as received
 * @len:	number of bytes at @p
 * @l:		field offsets of the flavour
 * @req:	parsed request; only @req->tag (when it arrived) on error
 *
 * Return: 0, or -EINVAL if @len is too short or the opcode is wrong.
 */
static int srpt_parse_login(const u8 *p, size_t len,
			    const struct srpt_login_layout *l,
			    struct srpt_login_req *req)
{
	memset(req, 0, sizeof(*req));
	if (len >= (size_t)l->tag + 8)
		req->tag = srpt_get_tag(p + l->tag);
	if (len < l->len || p[l->opcode] != SRPT_OP_LOGIN_REQ)
		return -EINVAL;

	req->req_it_iu_len = srpt_get_be32(p + l->req_it_iu_len);
	req->req_buf_fmt = srpt_get_be16(p + l->req_buf_fmt);
	req->req_flags = p[l->req_flags];
	req->imm_data_offset = srpt_get_be16(p + l->imm_data_offset);
	memcpy(req->initiator_port_id, p + l->initiator_port_id, 16);
	memcpy(req->target_port_id, p + l->target_port_id, 16);
	return 0;
}

int srpt_parse_login_req_ib(const void *pdata, size_t len,
			    struct srpt_login_req *req)
{
	return srpt_parse_login(pdata, len, &srpt_login_ib, req);
}

int srpt_parse_login_req_rdma(const void *pdata, size_t len,
			      struct srpt_login_req *req)
{
	return srpt_parse_login(pdata, len, &srpt_login_rdma, req);
}

u32 srpt_login_negotiate(const struct srpt_login_req *req,
			 const struct srpt_login_policy *pol,
			 struct srpt_login_params *out)
{
	u8 mc = req->req_flags & SRPT_MULTICHAN_MASK;
	u16 fmt = req->req_buf_fmt &
		  (SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT);

	memset(out, 0, sizeof(*out));

	if (req->req_it_iu_len < SRPT_MIN_IT_IU_LEN ||
	    req->req_it_iu_len > pol->max_req_size)
		return SRPT_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE;
	if (!fmt)
		return SRPT_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT;
	if (mc != SRPT_MULTICHAN_SINGLE && mc != SRPT_MULTICHAN_MULTI)
		return SRPT_LOGIN_REJ_MULTI_CHANNEL_UNSUPPORTED;
	if (srpt_get_be64(req->target_port_id) != pol->service_guid ||
	    srpt_get_be64(req->target_port_id + 8) != pol->service_guid)
		return SRPT_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL;

	out->it_iu_len = req->req_it_iu_len;
	out->ti_iu_len = pol->max_rsp_size;
	out->credits = pol->credits;
	out->buf_fmt = fmt;
	out->multichan_action = mc;

	/* imm_data_offset is 16 bits wide, so "+ 4" cannot overflow a u32. */
	if ((req->req_flags & SRPT_IMMED_REQUESTED) && !pol->use_srq &&
	    req->imm_data_offset >= SRPT_CMD_LEN &&
	    (u32)req->imm_data_offset + SRPT_IMM_HDR_LEN <=
	    req->req_it_iu_len) {
		out->imm_data = true;
		out->imm_data_offset = req->imm_data_offset;
	}
	return 0;
}

size_t srpt_build_login_rsp(void *buf, size_t size, u64 tag,
			    const struct srpt_login_params *p, u8 rsp_flags)
{
	u8 *b = buf;

	if (size < SRPT_LOGIN_RSP_LEN)
		return 0;
	/* Advertise immediate data only if it was really granted. */
	rsp_flags &= ~SRPT_LOGIN_RSP_IMMED_SUPP;
	if (p->imm_data)
		rsp_flags |= SRPT_LOGIN_RSP_IMMED_SUPP;

	memset(b, 0, SRPT_LOGIN_RSP_LEN);
	b[0] = SRPT_OP_LOGIN_RSP;
	srpt_put_be32(b + 4, p->credits);
	srpt_put_tag(b + 8, tag);
	srpt_put_be32(b + 16, p->it_iu_len);
	srpt_put_be32(b + 20, p->ti_iu_len);
	srpt_put_be16(b + 24, p->buf_fmt);
	b[26] = rsp_flags;
	return SRPT_LOGIN_RSP_LEN;
}

size_t srpt_build_login_rej(void *buf, size_t size, u64 tag, u32 reason)
{
	u8 *b = buf;

	if (size < SRPT_LOGIN_REJ_LEN)
		return 0;
	memset(b, 0, SRPT_LOGIN_REJ_LEN);
	b[0] = SRPT_OP_LOGIN_REJ;
	srpt_put_be32(b + 4, reason);
	srpt_put_tag(b + 8, tag);
	srpt_put_be16(b + 24, SRPT_BUF_FMT_DIRECT | SRPT_BUF_FMT_INDIRECT);
	return SRPT_LOGIN_REJ_LEN;
}

/* --------------------------- information units --------------------------- */

int srpt_iu_opcode(const void *iu, u32 len)
{
	if (!len)
		return -EINVAL;
	return *(const u8 *)iu;
}

bool srpt_iu_tag(const void *iu, u32 len, u64 *tag)
{
	if (len < 16) {
		*tag = 0;
		return false;
	}
	*tag = srpt_get_tag((const u8 *)iu + 8);
	return true;
}

u32 srpt_iu_min_len(u8 opcode)
{
	switch (opcode) {
	case SRPT_OP_CMD:
		return SRPT_CMD_LEN;
	case SRPT_OP_TSK_MGMT:
		return SRPT_TSK_MGMT_LEN;
	case SRPT_OP_I_LOGOUT:
		return SRPT_I_LOGOUT_LEN;
	case SRPT_OP_CRED_RSP:
		return SRPT_CRED_RSP_LEN;
	case SRPT_OP_AER_RSP:
		return SRPT_AER_RSP_LEN;
	default:
		return 0;
	}
}

bool srpt_desc_total(const u8 *desc, u32 nr, u32 *total)
{
	u32 sum = 0;
	u32 i;

	for (i = 0; i < nr; i++) {
		u32 l = srpt_get_be32(desc + (size_t)i * SRPT_DIRECT_DESC_LEN +
				      12);

		if (__builtin_add_overflow(sum, l, &sum)) {
			*total = 0;
			return false;
		}
	}
	*total = sum;
	return true;
}

bool srpt_desc_page_shaped(const u8 *desc, u32 nr, u32 page_size)
{
	u32 i, last = nr;

	for (i = nr; i-- > 0;) {
		if (srpt_get_be32(desc + (size_t)i * SRPT_DIRECT_DESC_LEN + 12)) {
			last = i;
			break;
		}
	}
	for (i = 0; i < last; i++) {
		u32 l = srpt_get_be32(desc + (size_t)i * SRPT_DIRECT_DESC_LEN +
				      12);

		if (l % page_size)
			return false;
	}
	return true;
}

/* SRP_CMD field offsets. */
enum {
	SRPT_CMD_BUF_FMT	= 5,
	SRPT_CMD_DO_CNT		= 6,
	SRPT_CMD_DI_CNT		= 7,
	SRPT_CMD_TAG		= 8,
	SRPT_CMD_LUN		= 20,
	SRPT_CMD_TASK_ATTR	= 29,
	SRPT_CMD_ADD_CDB_LEN	= 31,
	SRPT_CMD_CDB		= 32,
};

/**
 * srpt_parse_direct() - parse a direct data descriptor
 * @p:		the SRP_CMD IU
 * @len:	number of bytes at @p
 * @off:	offset of the descriptor (after the additional CDB)
 * @c:		command being parsed: desc, nr_desc and data_len are set
 *
 * Return: 0, or -EINVAL if the descriptor does not fit in the IU.
 */
static int srpt_parse_direct(const u8 *p, u32 len, u32 off,
			     struct srpt_cmd_iu *c)
{
	if (off + SRPT_DIRECT_DESC_LEN > len)
		return -EINVAL;
	c->desc = p + off;
	c->nr_desc = 1;
	c->data_len = srpt_get_be32(p + off + 12);
	return 0;
}

/**
 * srpt_parse_indirect() - parse an indirect data descriptor
 * @p:		the SRP_CMD IU
 * @len:	number of bytes at @p
 * @off:	offset of the indirect header (after the additional CDB)
 * @cnt:	number of direct descriptors in the IU (data-out or data-in
 *		descriptor count of the command)
 * @lim:	channel limits (for allow_ext_table)
 * @c:		command being parsed: descriptor and table fields are set
 *
 * The header is a table descriptor and a total length, followed by @cnt
 * direct descriptors.  If the table holds more than @cnt descriptors it is
 * external: only part of it is here and the sum of the lengths cannot be
 * checked.  Otherwise the lengths must add up to the total exactly.
 *
 * Return: 0 or -EINVAL.
 */
static int srpt_parse_indirect(const u8 *p, u32 len, u32 off, u32 cnt,
			       const struct srpt_cmd_limits *lim,
			       struct srpt_cmd_iu *c)
{
	u32 list = off + SRPT_INDIRECT_HDR_LEN;
	u32 total, nr, sum;

	/* off <= 300 and cnt <= 255: none of this can overflow. */
	if (list + cnt * SRPT_DIRECT_DESC_LEN > len)
		return -EINVAL;

	c->table_va = srpt_get_be64(p + off);
	c->table_rkey = srpt_get_be32(p + off + 8);
	c->table_len = srpt_get_be32(p + off + 12);
	total = srpt_get_be32(p + off + 16);

	if (!c->table_len || c->table_len % SRPT_DIRECT_DESC_LEN)
		return -EINVAL;
	nr = c->table_len / SRPT_DIRECT_DESC_LEN;
	if (nr < cnt)
		return -EINVAL;

	c->desc = cnt ? p + list : NULL;
	c->nr_desc = cnt;
	c->data_len = total;

	if (nr > cnt) {
		/* Not all descriptors are here: the sum cannot be checked. */
		if (!lim->allow_ext_table)
			return -EINVAL;
		c->ext_table = true;
		c->nr_ext_desc = nr;
		return 0;
	}

	if (!srpt_desc_total(c->desc, cnt, &sum) || sum != total)
		return -EINVAL;
	return 0;
}

/**
 * srpt_parse_imm() - parse an SRP-2 immediate data descriptor
 * @p:		the SRP_CMD IU
 * @len:	number of bytes at @p
 * @off:	offset of the 4-byte length header (after the additional CDB)
 * @lim:	channel limits: the data is at @lim->imm_data_offset
 * @c:		command being parsed: imm_data and data_len are set
 *
 * The data must start after the header and end within the IU; the end is
 * computed with an overflow check so that huge lengths cannot wrap.
 *
 * Return: 0 or -EINVAL.
 */
static int srpt_parse_imm(const u8 *p, u32 len, u32 off,
			  const struct srpt_cmd_limits *lim,
			  struct srpt_cmd_iu *c)
{
	u32 ioff = lim->imm_data_offset;
	u32 ilen, end;

	if (off + SRPT_IMM_HDR_LEN > len)
		return -EINVAL;
	ilen = srpt_get_be32(p + off);
	if (ioff < off + SRPT_IMM_HDR_LEN)
		return -EINVAL;
	if (__builtin_add_overflow(ioff, ilen, &end) || end > len)
		return -EINVAL;
	c->imm_data = p + ioff;
	c->data_len = ilen;
	return 0;
}

int srpt_parse_cmd(const void *iu, u32 len, const struct srpt_cmd_limits *lim,
		   struct srpt_cmd_iu *out)
{
	const u8 *p = iu;
	struct srpt_cmd_iu c;
	u32 add_cdb, off, cnt;
	u8 do_fmt, di_fmt, fmt;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len >= SRPT_CMD_TAG + 8)
		out->tag = srpt_get_tag(p + SRPT_CMD_TAG);
	if (len < SRPT_CMD_LEN)
		return -EMSGSIZE;

	memcpy(out->lun, p + SRPT_CMD_LUN, sizeof(out->lun));
	out->task_attr = p[SRPT_CMD_TASK_ATTR];

	/* The additional CDB length is in units of 4 bytes (low bits rsvd). */
	add_cdb = p[SRPT_CMD_ADD_CDB_LEN] & ~3u;
	off = SRPT_CMD_LEN + add_cdb;
	if (off > len)
		return -EINVAL;
	out->cdb = p + SRPT_CMD_CDB;
	out->cdb_len = 16 + add_cdb;

	/*
	 * From here on work on a copy so that on error the caller sees only
	 * the command header fields filled in above.
	 */
	c = *out;

	do_fmt = p[SRPT_CMD_BUF_FMT] >> 4;
	di_fmt = p[SRPT_CMD_BUF_FMT] & 0xf;
	if (do_fmt && di_fmt)
		return -EINVAL;
	if (!do_fmt && !di_fmt) {
		c.dir = SRPT_DIR_NONE;
		*out = c;
		return 0;
	}
	if (do_fmt) {
		c.dir = SRPT_DIR_WRITE;
		fmt = do_fmt;
		cnt = p[SRPT_CMD_DO_CNT];
	} else {
		c.dir = SRPT_DIR_READ;
		fmt = di_fmt;
		cnt = p[SRPT_CMD_DI_CNT];
	}

	switch (fmt) {
	case SRPT_DESC_DIRECT:
		if (!(lim->buf_fmt & SRPT_BUF_FMT_DIRECT))
			return -EINVAL;
		ret = srpt_parse_direct(p, len, off, &c);
		break;
	case SRPT_DESC_INDIRECT:
		if (!(lim->buf_fmt & SRPT_BUF_FMT_INDIRECT))
			return -EINVAL;
		ret = srpt_parse_indirect(p, len, off, cnt, lim, &c);
		break;
	case SRPT_DESC_IMM:
		if (c.dir != SRPT_DIR_WRITE || !lim->imm_data_offset)
			return -EINVAL;
		ret = srpt_parse_imm(p, len, off, lim, &c);
		break;
	default:
		return -EINVAL;
	}
	if (ret)
		return ret;
	if (c.data_len > lim->max_data_len)
		return -EINVAL;

	*out = c;
	return 0;
}

/* SRP_TSK_MGMT field offsets. */
enum {
	SRPT_TSK_TAG		= 8,
	SRPT_TSK_LUN		= 20,
	SRPT_TSK_FUNC		= 30,
	SRPT_TSK_TASK_TAG	= 32,
};

int srpt_parse_tsk_mgmt(const void *iu, u32 len, struct srpt_tsk_mgmt_iu *out)
{
	const u8 *p = iu;

	memset(out, 0, sizeof(*out));
	if (len >= SRPT_TSK_TAG + 8)
		out->tag = srpt_get_tag(p + SRPT_TSK_TAG);
	if (len < SRPT_TSK_MGMT_LEN)
		return -EMSGSIZE;
	memcpy(out->lun, p + SRPT_TSK_LUN, sizeof(out->lun));
	out->function = p[SRPT_TSK_FUNC];
	out->task_tag = srpt_get_tag(p + SRPT_TSK_TASK_TAG);
	return 0;
}

size_t srpt_build_rsp(void *buf, size_t size, const struct srpt_rsp_info *info)
{
	u8 *b = buf;
	u8 flags = 0;
	size_t n;

	if (size < SRPT_RSP_LEN)
		return 0;
	if (info->rsp_code_valid && size < SRPT_RSP_LEN + 4)
		return 0;

	memset(b, 0, SRPT_RSP_LEN);
	b[0] = SRPT_OP_RSP;
	srpt_put_be32(b + 4, info->req_lim_delta);
	srpt_put_tag(b + 8, info->tag);
	b[19] = info->status;

	if (info->resid_flag & (SRPT_RSP_FLAG_DOOVER | SRPT_RSP_FLAG_DOUNDER)) {
		flags |= info->resid_flag &
			 (SRPT_RSP_FLAG_DOOVER | SRPT_RSP_FLAG_DOUNDER);
		srpt_put_be32(b + 20, info->resid);
	}
	if (info->resid_flag & (SRPT_RSP_FLAG_DIOVER | SRPT_RSP_FLAG_DIUNDER)) {
		flags |= info->resid_flag &
			 (SRPT_RSP_FLAG_DIOVER | SRPT_RSP_FLAG_DIUNDER);
		srpt_put_be32(b + 24, info->resid);
	}

	n = SRPT_RSP_LEN;
	if (info->rsp_code_valid) {
		flags |= SRPT_RSP_FLAG_RSPVALID;
		srpt_put_be32(b + 32, 4);
		b[36] = 0;
		b[37] = 0;
		b[38] = 0;
		b[39] = info->rsp_code;
		n += 4;
	} else if (info->sense && info->sense_len) {
		size_t sl = info->sense_len;

		if (sl > size - SRPT_RSP_LEN)
			sl = size - SRPT_RSP_LEN;
		if (sl) {
			flags |= SRPT_RSP_FLAG_SNSVALID;
			srpt_put_be32(b + 28, (u32)sl);
			memcpy(b + SRPT_RSP_LEN, info->sense, sl);
			n += sl;
		}
	}
	b[18] = flags;
	return n;
}

size_t srpt_build_t_logout(void *buf, size_t size, u64 tag, u32 reason)
{
	u8 *b = buf;

	if (size < SRPT_T_LOGOUT_LEN)
		return 0;
	memset(b, 0, SRPT_T_LOGOUT_LEN);
	b[0] = SRPT_OP_T_LOGOUT;
	srpt_put_be32(b + 4, reason);
	srpt_put_tag(b + 8, tag);
	return SRPT_T_LOGOUT_LEN;
}

/* ------------------------------ port names ------------------------------- */

void srpt_format_guid(char *out, const u8 guid[8])
{
	int i;

	for (i = 0; i < 8; i++) {
		out = srpt_put_hex_byte(out, guid[i]);
		if ((i & 1) && i != 7)
			*out++ = ':';
	}
	*out = '\0';
}

void srpt_format_gid(char *out, const u8 gid[16])
{
	int i;

	*out++ = '0';
	*out++ = 'x';
	for (i = 0; i < 16; i++)
		out = srpt_put_hex_byte(out, gid[i]);
	*out = '\0';
}

/*
 * Parse "xxxx:xxxx:xxxx:xxxx" (exactly, nothing after it) into @guid.
 * Returns false without touching @guid if @name is not in that form.
 */
static bool srpt_parse_guid_form(const char *name, u8 guid[8])
{
	u8 g[8];
	int i;

	if (srpt_strnlen(name, SRPT_GUID_NAME_LEN) != SRPT_GUID_NAME_LEN - 1)
		return false;
	for (i = 0; i < 4; i++) {
		const char *s = name + 5 * i;

		if (i < 3 && s[4] != ':')
			return false;
		if (!srpt_decode_hex(s, 4, g + 2 * i))
			return false;
	}
	memcpy(guid, g, sizeof(g));
	return true;
}

int srpt_parse_port_name(const char *name, u8 id[16], bool *is_guid)
{
	u8 tmp[16];

	memset(tmp, 0, sizeof(tmp));
	if (srpt_parse_guid_form(name, tmp + 8)) {
		memcpy(id, tmp, sizeof(tmp));
		*is_guid = true;
		return 0;
	}
	if (!srpt_has_0x(name))
		return -EINVAL;
	name += 2;
	if (srpt_strnlen(name, 33) != 32 || !srpt_decode_hex(name, 32, tmp))
		return -EINVAL;
	memcpy(id, tmp, sizeof(tmp));
	*is_guid = false;
	return 0;
}

int srpt_parse_initiator_name(const char *name, u8 id[16])
{
	u8 tmp[16];
	size_t n;

	memset(tmp, 0, sizeof(tmp));
	if (srpt_parse_guid_form(name, tmp + 8)) {
		memcpy(id, tmp, sizeof(tmp));
		return 0;
	}
	if (srpt_has_0x(name))
		name += 2;
	n = srpt_strnlen(name, 33);
	if (n < 2 || n > 32 || n % 2)
		return -EINVAL;
	if (!srpt_decode_hex(name, n, tmp + 16 - n / 2))
		return -EINVAL;
	memcpy(id, tmp, sizeof(tmp));
	return 0;
}

/* ------------------ device management (srp_daemon discovery) ------------ */

static void srpt_hex64(char *out, u64 v)
{
	static const char hex[] = "0123456789abcdef";
	int i;

	for (i = 15; i >= 0; i--, v >>= 4)
		out[i] = hex[v & 0xf];
}

static u16 srpt_dm_class_port_info(u8 *data)
{
	data[0] = 1;				/* base version */
	data[1] = 1;				/* class version */
	srpt_put_be32(data + 4, SRPT_DM_RESP_TIME);	/* resp time value */
	return 0;
}

static u16 srpt_dm_iou_info(u8 *data)
{
	srpt_put_be16(data, 1);			/* change ID */
	data[2] = SRPT_DM_IOC_SLOTS;		/* max controllers */
	data[4] = 0x10;				/* slot 1: IOC present */
	return 0;
}

static u16 srpt_dm_check_slot(u32 slot)
{
	if (slot == 0 || slot > SRPT_DM_IOC_SLOTS)
		return SRPT_DM_STATUS_INVALID_FIELD;
	return slot == 1 ? 0 : SRPT_DM_STATUS_NO_IOC;
}

static u16 srpt_dm_ioc_profile(u8 *data, u32 slot,
			       const struct srpt_dm_info *info)
{
	static const char id[] = "Linux SRP target";
	u16 status = srpt_dm_check_slot(slot);

	if (status)
		return status;
	srpt_put_be64(data, info->ioc_guid);
	/* 24-bit vendor IDs in the high bytes (IB spec; srp_daemon >> 8) */
	srpt_put_be32(data + 8, info->vendor_id << 8);
	srpt_put_be32(data + 12, info->device_id);
	srpt_put_be16(data + 16, info->device_version);
	srpt_put_be32(data + 20, info->subsys_vendor_id << 8);
	srpt_put_be32(data + 24, info->subsys_device_id);
	srpt_put_be16(data + 28, 0x0100);	/* IO class: SRP rev 16a */
	srpt_put_be16(data + 30, 0x609e);	/* IO subclass */
	srpt_put_be16(data + 32, 0x0108);	/* protocol: SRP */
	srpt_put_be16(data + 34, 0x0001);	/* protocol version */
	srpt_put_be16(data + 40, info->send_queue_depth);
	data[43] = info->rdma_read_depth;
	srpt_put_be32(data + 44, info->send_size);
	srpt_put_be32(data + 48, info->rdma_size < (1u << 24) ?
				 info->rdma_size : 1u << 24);
	/* send to / from IOC, RDMA read / write from IOC */
	data[52] = 0x01 | 0x02 | 0x08 | 0x20;
	data[54] = 1;				/* service entries */
	memcpy(data + 64, id, sizeof(id) - 1);
	return 0;
}

static u16 srpt_dm_svc_entries(u8 *data, u32 attr_mod,
			       const struct srpt_dm_info *info)
{
	u32 slot = attr_mod >> 16;
	u8 hi = attr_mod >> 8, lo = attr_mod;
	u16 status = srpt_dm_check_slot(slot);

	if (status)
		return status;
	if (hi < lo || hi > 0)		/* one service entry, index 0 */
		return SRPT_DM_STATUS_INVALID_FIELD;
	memcpy(data, "SRP.T10:", 8);
	srpt_hex64((char *)data + 8, info->ioc_guid);
	srpt_put_be64(data + 40, info->ioc_guid);
	return 0;
}

size_t srpt_dm_respond(const void *req, size_t len, void *rsp, size_t size,
		       const struct srpt_dm_info *info)
{
	const u8 *q = req;
	u8 *r = rsp, *data = r + SRPT_DM_HDR_LEN;
	u16 status, attr;
	u32 attr_mod;

	if (len < SRPT_DM_HDR_LEN || size < SRPT_MAD_LEN)
		return 0;
	if (q[0] != 1 || q[1] != SRPT_MGMT_CLASS_DEVICE_MGMT || q[2] != 1 ||
	    (q[3] & 0x80))
		return 0;
	memset(r, 0, SRPT_MAD_LEN);
	memcpy(r, q, SRPT_DM_HDR_LEN);
	r[3] = SRPT_MAD_METHOD_GET_RESP;
	attr = srpt_get_be16(q + 16);
	attr_mod = srpt_get_be32(q + 20);

	if (q[3] == SRPT_MAD_METHOD_SET) {
		status = SRPT_DM_STATUS_UNSUP_METHOD_ATTR;
	} else if (q[3] != SRPT_MAD_METHOD_GET) {
		status = SRPT_DM_STATUS_UNSUP_METHOD;
	} else {
		switch (attr) {
		case SRPT_DM_ATTR_CLASS_PORT_INFO:
			status = srpt_dm_class_port_info(data);
			break;
		case SRPT_DM_ATTR_IOU_INFO:
			status = srpt_dm_iou_info(data);
			break;
		case SRPT_DM_ATTR_IOC_PROFILE:
			status = srpt_dm_ioc_profile(data, attr_mod, info);
			break;
		case SRPT_DM_ATTR_SVC_ENTRIES:
			status = srpt_dm_svc_entries(data, attr_mod, info);
			break;
		default:
			status = SRPT_DM_STATUS_UNSUP_METHOD_ATTR;
			break;
		}
	}
	if (status)
		memset(data, 0, SRPT_DM_DATA_LEN);
	srpt_put_be16(r + 4, status);
	return SRPT_MAD_LEN;
}

u32 srpt_srq_layout(u32 nvec, u32 max_srq, u32 max_srq_wr, u32 total,
		    u32 *size)
{
	u32 cnt = nvec;

	if (cnt > max_srq)
		cnt = max_srq;
	if (cnt > SRPT_MAX_SRQS)
		cnt = SRPT_MAX_SRQS;
	if (cnt > total / SRPT_SRQ_MIN_SHARE)
		cnt = total / SRPT_SRQ_MIN_SHARE;
	if (!cnt)
		cnt = 1;
	*size = total / cnt;
	if (*size > max_srq_wr)
		*size = max_srq_wr;
	return cnt;
}
