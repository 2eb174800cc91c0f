/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * SRP wire format: parsing, validation and IU builders.
 *
 * This unit is pure C: it makes no kernel calls and compiles both into
 * ib_srpt.ko and into the userspace unit tests and fuzzers.  Everything an
 * initiator sends is untrusted; every parser takes the number of bytes that
 * actually arrived and never reads past it.
 *
 * All multi-byte SRP fields are big-endian except the 8-byte tag, which is an
 * opaque value: it is carried here as the host-order image of the wire bytes
 * (memcpy) and written back unchanged.
 */
#ifndef SRPT_PROTO_H
#define SRPT_PROTO_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#else
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
#endif

/* IU opcodes (SRP r16a table 7, SRP-2). */
enum srpt_opcode {
	SRPT_OP_LOGIN_REQ	= 0x00,
	SRPT_OP_TSK_MGMT	= 0x01,
	SRPT_OP_CMD		= 0x02,
	SRPT_OP_I_LOGOUT	= 0x03,
	SRPT_OP_CRED_RSP	= 0x41,
	SRPT_OP_AER_RSP		= 0x42,
	SRPT_OP_T_LOGOUT	= 0x80,
	SRPT_OP_CRED_REQ	= 0x81,
	SRPT_OP_AER_REQ		= 0x82,
	SRPT_OP_LOGIN_RSP	= 0xc0,
	SRPT_OP_RSP		= 0xc1,
	SRPT_OP_LOGIN_REJ	= 0xc2,
};

/* Fixed IU sizes in bytes. */
enum {
	SRPT_LOGIN_REQ_LEN	= 64,	/* IB/CM REQ private data */
	SRPT_LOGIN_REQ_RDMA_LEN	= 56,	/* RDMA/CM REQ private data */
	SRPT_LOGIN_RSP_LEN	= 52,
	SRPT_LOGIN_REJ_LEN	= 32,
	SRPT_CMD_LEN		= 48,	/* without additional CDB / descriptors */
	SRPT_TSK_MGMT_LEN	= 48,
	SRPT_RSP_LEN		= 36,	/* without response data / sense */
	SRPT_I_LOGOUT_LEN	= 16,
	SRPT_T_LOGOUT_LEN	= 16,
	SRPT_CRED_RSP_LEN	= 16,
	SRPT_AER_RSP_LEN	= 16,
	SRPT_DIRECT_DESC_LEN	= 16,	/* va(8) key(4) len(4) */
	SRPT_INDIRECT_HDR_LEN	= 20,	/* table descriptor(16) + total len(4) */
	SRPT_IMM_HDR_LEN	= 4,	/* immediate data length */
	SRPT_MIN_IT_IU_LEN	= 64,	/* smallest req_it_iu_len accepted */
};

/* SRP_LOGIN_REJ reasons. */
enum {
	SRPT_LOGIN_REJ_UNABLE_ESTABLISH_CHANNEL	= 0x00010000,
	SRPT_LOGIN_REJ_INSUFFICIENT_RESOURCES	= 0x00010001,
	SRPT_LOGIN_REJ_REQ_IT_IU_LENGTH_TOO_LARGE = 0x00010002,
	SRPT_LOGIN_REJ_UNABLE_ASSOCIATE_CHANNEL	= 0x00010003,
	SRPT_LOGIN_REJ_UNSUPPORTED_DESCRIPTOR_FMT = 0x00010004,
	SRPT_LOGIN_REJ_MULTI_CHANNEL_UNSUPPORTED = 0x00010005,
	SRPT_LOGIN_REJ_CHANNEL_LIMIT_REACHED	= 0x00010006,
};

/* Buffer formats (req_buf_fmt / buf_fmt in login IUs). */
enum {
	SRPT_BUF_FMT_DIRECT	= 1 << 1,
	SRPT_BUF_FMT_INDIRECT	= 1 << 2,
};

/* Data descriptor formats (nibbles of SRP_CMD buf_fmt). */
enum {
	SRPT_DESC_NONE		= 0,
	SRPT_DESC_DIRECT	= 1,
	SRPT_DESC_INDIRECT	= 2,
	SRPT_DESC_IMM		= 3,	/* SRP-2, data-out only */
};

/* SRP_LOGIN_REQ req_flags. */
enum {
	SRPT_MULTICHAN_MASK	= 0x03,
	SRPT_MULTICHAN_SINGLE	= 0x00,
	SRPT_MULTICHAN_MULTI	= 0x01,
	SRPT_IMMED_REQUESTED	= 0x80,
};

/* SRP_LOGIN_RSP rsp_flags. */
enum {
	SRPT_LOGIN_RSP_MULTICHAN_NO_CHAN	= 0x00,
	SRPT_LOGIN_RSP_MULTICHAN_TERMINATED	= 0x01,
	SRPT_LOGIN_RSP_MULTICHAN_MAINTAINED	= 0x02,
	SRPT_LOGIN_RSP_IMMED_SUPP		= 0x80,
};

/* SRP_RSP flags. */
enum {
	SRPT_RSP_FLAG_RSPVALID	= 0x01,
	SRPT_RSP_FLAG_SNSVALID	= 0x02,
	SRPT_RSP_FLAG_DOOVER	= 0x04,
	SRPT_RSP_FLAG_DOUNDER	= 0x08,
	SRPT_RSP_FLAG_DIOVER	= 0x10,
	SRPT_RSP_FLAG_DIUNDER	= 0x20,
};

/* Task management functions and response codes. */
enum {
	SRPT_TSK_ABORT_TASK	= 0x01,
	SRPT_TSK_ABORT_TASK_SET	= 0x02,
	SRPT_TSK_CLEAR_TASK_SET	= 0x04,
	SRPT_TSK_LUN_RESET	= 0x08,
	SRPT_TSK_CLEAR_ACA	= 0x40,

	SRPT_TSK_MGMT_SUCCESS		= 0x00,
	SRPT_TSK_MGMT_FUNC_NOT_SUPP	= 0x04,
	SRPT_TSK_MGMT_FAILED		= 0x05,
	SRPT_TSK_MGMT_INCORRECT_LUN	= 0x09,
};

/* SRP_CMD task attributes. */
enum {
	SRPT_TASK_ATTR_SIMPLE	= 0,
	SRPT_TASK_ATTR_HEAD	= 1,
	SRPT_TASK_ATTR_ORDERED	= 2,
	SRPT_TASK_ATTR_ACA	= 4,
};

/* SRP_T_LOGOUT reasons (SRP r16a table 14). */
enum {
	SRPT_T_LOGOUT_NO_REASON		= 0x0000,
	SRPT_T_LOGOUT_INACTIVE		= 0x0001,
	SRPT_T_LOGOUT_INVALID_IU_TYPE	= 0x0002,
	SRPT_T_LOGOUT_UNEXPECTED_RSP	= 0x0003,
	SRPT_T_LOGOUT_MULTICHAN_ACTION	= 0x0004,
	SRPT_T_LOGOUT_UNSUPPORTED_DO_FMT = 0x0006,
	SRPT_T_LOGOUT_UNSUPPORTED_DI_FMT = 0x0007,
	SRPT_T_LOGOUT_INVALID_IU_LEN	= 0x0008,
};

/* --- byte accessors: never unaligned, never past the given pointer + n --- */
static inline u16 srpt_get_be16(const u8 *p)
{
	return (u16)((p[0] << 8) | p[1]);
}

static inline u32 srpt_get_be32(const u8 *p)
{
	return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

static inline u64 srpt_get_be64(const u8 *p)
{
	return ((u64)srpt_get_be32(p) << 32) | srpt_get_be32(p + 4);
}

static inline void srpt_put_be16(u8 *p, u16 v)
{
	p[0] = (v >> 8) & 0xff;
	p[1] = v & 0xff;
}

static inline void srpt_put_be32(u8 *p, u32 v)
{
	p[0] = (v >> 24) & 0xff;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static inline void srpt_put_be64(u8 *p, u64 v)
{
	srpt_put_be32(p, v >> 32);
	srpt_put_be32(p + 4, (u32)v);
}

/* ------------------------------- login ---------------------------------- */

/**
 * struct srpt_login_req - a parsed SRP_LOGIN_REQ (either CM flavour)
 * @tag:		opaque initiator tag, echoed in LOGIN_RSP / LOGIN_REJ
 * @req_it_iu_len:	largest I->T IU the initiator wants to send
 * @req_buf_fmt:	SRPT_BUF_FMT_* the initiator may use
 * @req_flags:		multichannel action and SRPT_IMMED_REQUESTED
 * @imm_data_offset:	SRP-2 offset of immediate data within SRP_CMD
 * @initiator_port_id:	16-byte initiator port identifier
 * @target_port_id:	16-byte target port identifier (id_ext || ioc_guid)
 */
struct srpt_login_req {
	u64 tag;
	u32 req_it_iu_len;
	u16 req_buf_fmt;
	u8 req_flags;
	u16 imm_data_offset;
	u8 initiator_port_id[16];
	u8 target_port_id[16];
};

/**
 * struct srpt_login_policy - what this target port accepts
 * @service_guid:	both halves of the target port ID must equal this
 * @max_req_size:	srp_max_req_size: largest I->T IU we can receive
 * @max_rsp_size:	srp_max_rsp_size: size of our T->I IU buffers
 * @credits:		receive ring depth, granted as initial req_lim_delta
 * @use_srq:		true if receives come from a shared receive queue
 *			(immediate data is then not offered)
 */
struct srpt_login_policy {
	u64 service_guid;
	u32 max_req_size;
	u32 max_rsp_size;
	u32 credits;
	bool use_srq;
};

/**
 * struct srpt_login_params - the outcome of a successful negotiation
 * @it_iu_len:		agreed max I->T IU length (== req_it_iu_len)
 * @ti_iu_len:		max T->I IU length we will send (max_rsp_size)
 * @credits:		initial request limit granted
 * @buf_fmt:		SRPT_BUF_FMT_* both sides support
 * @imm_data:		immediate data accepted
 * @imm_data_offset:	offset of immediate data in SRP_CMD, 0 if !imm_data
 * @multichan_action:	SRPT_MULTICHAN_SINGLE or SRPT_MULTICHAN_MULTI
 */
struct srpt_login_params {
	u32 it_iu_len;
	u32 ti_iu_len;
	u32 credits;
	u16 buf_fmt;
	bool imm_data;
	u16 imm_data_offset;
	u8 multichan_action;
};

/*
 * Parse SRP_LOGIN_REQ from IB/CM REQ private data (64-byte srp_login_req
 * layout) or from RDMA/CM REQ private data (56-byte srp_login_req_rdma
 * layout).  Return 0, or -EINVAL if @len is too short or the opcode is not
 * SRP_LOGIN_REQ.  On -EINVAL @req->tag is still filled in when the bytes that
 * hold it arrived (else it is 0), so that a LOGIN_REJ can echo it.
 */
int srpt_parse_login_req_ib(const void *pdata, size_t len,
			    struct srpt_login_req *req);
int srpt_parse_login_req_rdma(const void *pdata, size_t len,
			      struct srpt_login_req *req);

/*
 * Decide whether to accept a login.  Returns 0 and fills @out, or returns the
 * SRPT_LOGIN_REJ_* reason.  Checks, in this order:
 *   req_it_iu_len < 64 or > max_req_size     -> REQ_IT_IU_LENGTH_TOO_LARGE
 *   no DIRECT/INDIRECT bit in req_buf_fmt    -> UNSUPPORTED_DESCRIPTOR_FMT
 *   reserved multichannel action (2 or 3)    -> MULTI_CHANNEL_UNSUPPORTED
 *   target_port_id != service_guid twice     -> UNABLE_ASSOCIATE_CHANNEL
 * Immediate data is granted only if requested, !use_srq, and
 * 48 <= imm_data_offset and imm_data_offset + 4 <= req_it_iu_len; otherwise
 * the login still succeeds without it.
 */
u32 srpt_login_negotiate(const struct srpt_login_req *req,
			 const struct srpt_login_policy *pol,
			 struct srpt_login_params *out);

/*
 * Build SRP_LOGIN_RSP into @buf; returns SRPT_LOGIN_RSP_LEN, 0 if too small.
 * @rsp_flags carries the multichannel outcome; IMMED_SUPP is added from @p.
 */
size_t srpt_build_login_rsp(void *buf, size_t size, u64 tag,
			    const struct srpt_login_params *p, u8 rsp_flags);

/* Build SRP_LOGIN_REJ; returns SRPT_LOGIN_REJ_LEN, 0 if @size too small. */
size_t srpt_build_login_rej(void *buf, size_t size, u64 tag, u32 reason);

/* ---------------------------- receive queues ----------------------------- */

enum {
	SRPT_MAX_SRQS		= 16,	/* SRQs of one device (use_srq=1) */
	SRPT_SRQ_MIN_SHARE	= 256,	/* fewest buffers per SRQ when split */
};

/*
 * How a device's srpt_srq_size receive buffers (@total) are laid out when
 * use_srq=1: one SRQ per completion vector, as nvmet-rdma does, so that
 * channels on different vectors do not share one SRQ's lock and ring.
 * At most SRPT_MAX_SRQS and @max_srq SRQs; fewer SRQs rather than ones
 * below SRPT_SRQ_MIN_SHARE buffers; each gets an equal share of @total
 * (the device's memory stays what one SRQ of @total costs), at most
 * @max_srq_wr.  Returns the number of SRQs (at least 1) and sets *@size.
 */
u32 srpt_srq_layout(u32 nvec, u32 max_srq, u32 max_srq_wr, u32 total,
		    u32 *size);

/* --------------------------- information units --------------------------- */

/* Opcode of a received IU, or -EINVAL if @len == 0. */
int srpt_iu_opcode(const void *iu, u32 len);

/* Tag of a received IU; false if fewer than 16 bytes arrived. */
bool srpt_iu_tag(const void *iu, u32 len, u64 *tag);

/*
 * Minimum valid length of an I->T IU with @opcode; 0 for opcodes a target
 * never accepts (LOGIN_REQ and T->I opcodes) or unknown ones.
 */
u32 srpt_iu_min_len(u8 opcode);

enum srpt_data_dir {
	SRPT_DIR_NONE	= 0,
	SRPT_DIR_WRITE	= 1,	/* data-out: initiator -> target (RDMA READ) */
	SRPT_DIR_READ	= 2,	/* data-in: target -> initiator (RDMA WRITE) */
};

/**
 * struct srpt_cmd_limits - per-channel bounds applied to every SRP_CMD
 * @buf_fmt:		SRPT_BUF_FMT_* negotiated at login
 * @imm_data_offset:	negotiated immediate data offset, 0 = not negotiated
 * @max_data_len:	largest total transfer length accepted
 * @allow_ext_table:	accept indirect tables only partly in the IU
 */
struct srpt_cmd_limits {
	u16 buf_fmt;
	u16 imm_data_offset;
	u32 max_data_len;
	bool allow_ext_table;
};

/**
 * struct srpt_cmd_iu - a validated SRP_CMD
 * @tag:	opaque initiator tag
 * @lun:	8-byte SAM LUN as on the wire
 * @task_attr:	SRPT_TASK_ATTR_* (raw, not validated)
 * @cdb:	CDB inside the IU: 16 bytes plus additional CDB bytes
 * @cdb_len:	16 + (add_cdb_len & ~3)
 * @dir:	data direction
 * @data_len:	total number of data bytes (sum of descriptor lengths)
 * @nr_desc:	number of 16-byte direct descriptors at @desc (0 if none)
 * @desc:	first direct descriptor, inside the IU (NULL if none)
 * @imm_data:	immediate data inside the IU (NULL unless SRPT_DESC_IMM)
 * @ext_table:	true if the indirect table is not entirely in the IU; then
 *		@desc/@nr_desc describe only the in-IU part and the whole
 *		table is at @table_va/@table_rkey/@table_len
 * @nr_ext_desc: number of descriptors in the whole external table
 * @table_va:	remote address of the indirect descriptor table
 * @table_rkey:	remote key of that table
 * @table_len:	length of that table in bytes (multiple of 16)
 */
struct srpt_cmd_iu {
	u64 tag;
	u8 lun[8];
	u8 task_attr;
	const u8 *cdb;
	u32 cdb_len;
	enum srpt_data_dir dir;
	u32 data_len;
	u32 nr_desc;
	const u8 *desc;
	const u8 *imm_data;
	bool ext_table;
	u32 nr_ext_desc;
	u64 table_va;
	u32 table_rkey;
	u32 table_len;
};

/*
 * Parse and validate an SRP_CMD of @len received bytes.  Returns 0, or:
 *  -EMSGSIZE	fewer than SRPT_CMD_LEN bytes (only @out->tag is filled in,
 *		when at least 16 bytes arrived);
 *  -EINVAL	a field is invalid: @out->tag, lun, task_attr, cdb and cdb_len
 *		are filled in whenever the CDB fits in the IU, so the caller
 *		can answer CHECK CONDITION / INVALID FIELD IN COMMAND IU.
 *		Invalid: CDB past the IU, data-in and data-out both present,
 *		unknown descriptor format, format not negotiated, IMM for
 *		data-in, descriptors past the IU, indirect table length not a
 *		non-zero multiple of 16, table shorter than the in-IU count,
 *		descriptor lengths not adding up to the indirect total (or
 *		overflowing 32 bits), total above max_data_len, immediate data
 *		overlapping the descriptor or extending past the IU (with
 *		overflow checks), external table when !allow_ext_table.
 * Descriptors whose length is 0 are valid and counted in nr_desc.
 */
int srpt_parse_cmd(const void *iu, u32 len, const struct srpt_cmd_limits *lim,
		   struct srpt_cmd_iu *out);

/* Read direct descriptor @i of a table at @desc (16 bytes each). */
static inline void srpt_get_desc(const u8 *desc, u32 i, u64 *va, u32 *key,
				 u32 *len)
{
	desc += (size_t)i * SRPT_DIRECT_DESC_LEN;
	*va = srpt_get_be64(desc);
	*key = srpt_get_be32(desc + 8);
	*len = srpt_get_be32(desc + 12);
}

/* Sum the lengths of @nr descriptors at @desc; false on 32-bit overflow. */
bool srpt_desc_total(const u8 *desc, u32 nr, u32 *total);

/*
 * True if every descriptor but the last one of non-zero length covers a
 * whole number of pages of @page_size bytes, i.e. buffers allocated per
 * descriptor concatenate into whole pages (see srpt_alloc_rw_ctxs()).
 */
bool srpt_desc_page_shaped(const u8 *desc, u32 nr, u32 page_size);

/**
 * struct srpt_tsk_mgmt_iu - a parsed SRP_TSK_MGMT
 * @tag:	tag of this IU
 * @lun:	8-byte LUN
 * @function:	SRPT_TSK_* (raw)
 * @task_tag:	tag of the task to abort (ABORT TASK)
 */
struct srpt_tsk_mgmt_iu {
	u64 tag;
	u8 lun[8];
	u8 function;
	u64 task_tag;
};

/*
 * Parse SRP_TSK_MGMT; 0, or -EMSGSIZE if @len < SRPT_TSK_MGMT_LEN (tag
 * filled in when at least 16 bytes arrived).
 */
int srpt_parse_tsk_mgmt(const void *iu, u32 len, struct srpt_tsk_mgmt_iu *out);

/**
 * struct srpt_rsp_info - what goes into an SRP_RSP
 * @tag:		tag of the request being answered
 * @req_lim_delta:	credits returned to the initiator
 * @status:		SCSI status byte
 * @resid_flag:		0, or one of SRPT_RSP_FLAG_{DO,DI}{UNDER,OVER}
 * @resid:		residual byte count when @resid_flag is set
 * @sense:		sense data or NULL
 * @sense_len:		bytes at @sense
 * @rsp_code_valid:	true for a task management response
 * @rsp_code:		SRPT_TSK_MGMT_* response code
 */
struct srpt_rsp_info {
	u64 tag;
	u32 req_lim_delta;
	u8 status;
	u8 resid_flag;
	u32 resid;
	const u8 *sense;
	u32 sense_len;
	bool rsp_code_valid;
	u8 rsp_code;
};

/*
 * Build an SRP_RSP into @buf of @size bytes.  Response data (4 bytes, code in
 * byte 3) is used when @rsp_code_valid, else sense data if any, truncated so
 * the IU fits in @size.  Returns the IU length, or 0 if @size < SRPT_RSP_LEN
 * (or < SRPT_RSP_LEN + 4 for a response code).
 */
size_t srpt_build_rsp(void *buf, size_t size, const struct srpt_rsp_info *info);

/* Build SRP_T_LOGOUT; returns SRPT_T_LOGOUT_LEN, 0 if @size too small. */
size_t srpt_build_t_logout(void *buf, size_t size, u64 tag, u32 reason);

/* ------------------------------ port names ------------------------------- */

#define SRPT_GUID_NAME_LEN	20	/* "xxxx:xxxx:xxxx:xxxx" + NUL */
#define SRPT_GID_NAME_LEN	35	/* "0x" + 32 hex + NUL */

/* Format an 8-byte EUI-64 as "xxxx:xxxx:xxxx:xxxx" (lower case). */
void srpt_format_guid(char *out, const u8 guid[8]);

/* Format a 16-byte GID / port ID as "0x" + 32 lower-case hex digits. */
void srpt_format_gid(char *out, const u8 gid[16]);

/*
 * Parse a target port (wwn) name: "xxxx:xxxx:xxxx:xxxx" (GUID form: @id gets
 * the GUID in bytes 8..15, zeros before; *@is_guid = true) or "0x" followed by
 * exactly 32 hex digits (GID form, *@is_guid = false).  Hex digits of either
 * case.  Returns 0 or -EINVAL.
 */
int srpt_parse_port_name(const char *name, u8 id[16], bool *is_guid);

/*
 * Parse an initiator (ACL) name in a non-IP form: the GUID form above, or an
 * even number (2..32) of hex digits with an optional "0x" prefix, right
 * aligned into @id (left-padded with zeros).  Returns 0 or -EINVAL.
 */
int srpt_parse_initiator_name(const char *name, u8 id[16]);

/* ------------------ device management (srp_daemon discovery) ------------ */

/* Device management MADs, IB spec vol. 1 ch. 16.3 (class 0x06). */
enum {
	SRPT_MAD_LEN			= 256,
	SRPT_DM_HDR_LEN			= 64,	/* common 24 + RMPP 12 + 28 */
	SRPT_DM_DATA_LEN		= 192,
	SRPT_MGMT_CLASS_DEVICE_MGMT	= 0x06,
	SRPT_MAD_METHOD_GET		= 0x01,
	SRPT_MAD_METHOD_SET		= 0x02,
	SRPT_MAD_METHOD_GET_RESP	= 0x81,
	SRPT_DM_ATTR_CLASS_PORT_INFO	= 0x0001,
	SRPT_DM_ATTR_IOU_INFO		= 0x0010,
	SRPT_DM_ATTR_IOC_PROFILE	= 0x0011,
	SRPT_DM_ATTR_SVC_ENTRIES	= 0x0012,
	SRPT_DM_STATUS_UNSUP_METHOD	= 0x0008,
	SRPT_DM_STATUS_UNSUP_METHOD_ATTR = 0x000c,
	SRPT_DM_STATUS_INVALID_FIELD	= 0x001c,
	SRPT_DM_STATUS_NO_IOC		= 0x0100,
	SRPT_DM_IOC_SLOTS		= 16,
	SRPT_DM_RESP_TIME		= 20,	/* 4.096 us * 2^20 */
};

/**
 * struct srpt_dm_info - what the IOControllerProfile reports
 * @ioc_guid:		srpt_service_guid (IOC GUID and service ID)
 * @vendor_id:		HCA vendor ID
 * @device_id:		HCA vendor part ID
 * @device_version:	HCA hardware version
 * @subsys_vendor_id:	reported as the vendor ID
 * @subsys_device_id:	reported as the device ID
 * @send_queue_depth:	credits per channel (or SRQ size)
 * @rdma_read_depth:	RDMA READs the target keeps outstanding
 * @send_size:		srp_max_req_size
 * @rdma_size:		srp_max_rdma_size, at most 16 MiB
 */
struct srpt_dm_info {
	u64 ioc_guid;
	u32 vendor_id;
	u32 device_id;
	u16 device_version;
	u32 subsys_vendor_id;
	u32 subsys_device_id;
	u16 send_queue_depth;
	u8 rdma_read_depth;
	u32 send_size;
	u32 rdma_size;
};

/*
 * Build the response to a device management request MAD of @len bytes into
 * @rsp (@size >= SRPT_MAD_LEN).  Returns SRPT_MAD_LEN, or 0 if nothing is to
 * be sent: not a DM class MAD, base or class version not 1, a response
 * MAD, or @len shorter than the MAD header.
 * GET of ClassPortInfo, IOUnitInfo (one IOC, in slot 1), IOControllerProfile
 * (slot 1; slot 0 or > 16: INVALID_FIELD, 2..16: NO_IOC) and ServiceEntries
 * (one entry "SRP.T10:<ioc_guid>"; bad slot as above, hi < lo or hi > 0:
 * INVALID_FIELD) is answered; SET and unknown attributes get
 * UNSUP_METHOD_ATTR, other methods UNSUP_METHOD.
 */
size_t srpt_dm_respond(const void *req, size_t len, void *rsp, size_t size,
		       const struct srpt_dm_info *info);

#endif /* SRPT_PROTO_H */
