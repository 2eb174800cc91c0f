/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Tracepoints of the SRP target (trace system "srpt"):
 *   srpt_login_accept, srpt_login_reject, srpt_channel_release,
 *   srpt_cmd_start, srpt_cmd_done.
 * Enable with: echo 1 > /sys/kernel/tracing/events/srpt/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM srpt

#if !defined(_SRPT_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _SRPT_TRACE_H

#include <linux/tracepoint.h>

#include "srpt_compat.h"

TRACE_EVENT(srpt_login_accept,
	TP_PROTO(const char *initiator, const char *port, u32 qp,
		 u32 credits, u8 rsp_flags),
	TP_ARGS(initiator, port, qp, credits, rsp_flags),
	TP_STRUCT__entry(
		__string(initiator, initiator)
		__string(port, port)
		__field(u32, qp)
		__field(u32, credits)
		__field(u8, rsp_flags)
	),
	TP_fast_assign(
		srpt_assign_str(initiator, initiator);
		srpt_assign_str(port, port);
		__entry->qp = qp;
		__entry->credits = credits;
		__entry->rsp_flags = rsp_flags;
	),
	TP_printk("initiator=%s port=%s qp=%u credits=%u rsp_flags=%#x",
		  __get_str(initiator), __get_str(port), __entry->qp,
		  __entry->credits, __entry->rsp_flags)
);

TRACE_EVENT(srpt_login_reject,
	TP_PROTO(const u8 *i_port_id, u32 reason),
	TP_ARGS(i_port_id, reason),
	TP_STRUCT__entry(
		__array(u8, i_port_id, 16)
		__field(u32, reason)
	),
	TP_fast_assign(
		memcpy(__entry->i_port_id, i_port_id, 16);
		__entry->reason = reason;
	),
	TP_printk("initiator_port_id=%16phN reason=%#x", __entry->i_port_id,
		  __entry->reason)
);

TRACE_EVENT(srpt_channel_release,
	TP_PROTO(const char *initiator, u32 qp, u64 commands),
	TP_ARGS(initiator, qp, commands),
	TP_STRUCT__entry(
		__string(initiator, initiator)
		__field(u32, qp)
		__field(u64, commands)
	),
	TP_fast_assign(
		srpt_assign_str(initiator, initiator);
		__entry->qp = qp;
		__entry->commands = commands;
	),
	TP_printk("initiator=%s qp=%u commands=%llu", __get_str(initiator),
		  __entry->qp, __entry->commands)
);

TRACE_EVENT(srpt_cmd_start,
	TP_PROTO(u32 qp, u64 tag, u64 lun, u8 opcode, u32 data_len, int dir),
	TP_ARGS(qp, tag, lun, opcode, data_len, dir),
	TP_STRUCT__entry(
		__field(u32, qp)
		__field(u64, tag)
		__field(u64, lun)
		__field(u8, opcode)
		__field(u32, data_len)
		__field(int, dir)
	),
	TP_fast_assign(
		__entry->qp = qp;
		__entry->tag = tag;
		__entry->lun = lun;
		__entry->opcode = opcode;
		__entry->data_len = data_len;
		__entry->dir = dir;
	),
	TP_printk("qp=%u tag=%#llx lun=%llu cdb0=%#x len=%u dir=%s",
		  __entry->qp, __entry->tag, __entry->lun, __entry->opcode,
		  __entry->data_len,
		  __print_symbolic(__entry->dir, { 0, "none" }, { 1, "write" },
				   { 2, "read" }))
);

TRACE_EVENT(srpt_cmd_done,
	TP_PROTO(u32 qp, u64 tag, u8 status, u32 req_lim_delta),
	TP_ARGS(qp, tag, status, req_lim_delta),
	TP_STRUCT__entry(
		__field(u32, qp)
		__field(u64, tag)
		__field(u8, status)
		__field(u32, req_lim_delta)
	),
	TP_fast_assign(
		__entry->qp = qp;
		__entry->tag = tag;
		__entry->status = status;
		__entry->req_lim_delta = req_lim_delta;
	),
	TP_printk("qp=%u tag=%#llx status=%#x req_lim_delta=%u", __entry->qp,
		  __entry->tag, __entry->status, __entry->req_lim_delta)
);

#endif /* _SRPT_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE srpt_trace
#include <trace/define_trace.h>
