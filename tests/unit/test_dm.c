// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the device management MAD responder (srp_daemon discovery),
 * byte for byte against the layouts of the InfiniBand spec (vol. 1,
 * 16.3.3: ClassPortInfo, IOUnitInfo, IOControllerProfile, ServiceEntries).
 */
#include "helpers.h"

static const struct srpt_dm_info info = {
	.ioc_guid		= 0x0002c90300a1b2c3ULL,
	.vendor_id		= 0x0002c9,
	.device_id		= 0x1017,
	.device_version		= 0x00a0,
	.subsys_vendor_id	= 0x0015b3,
	.subsys_device_id	= 0x0008,
	.send_queue_depth	= 128,
	.rdma_read_depth	= 4,
	.send_size		= 8276,
	.rdma_size		= 65536,
};

static u8 req[SRPT_MAD_LEN], rsp[SRPT_MAD_LEN];

/* A request MAD: base 1, class 0x06 v1, @method, @attr, @attr_mod. */
static void mk_req(u8 method, u16 attr, u32 attr_mod)
{
	memset(req, 0, sizeof(req));
	req[0] = 1;
	req[1] = SRPT_MGMT_CLASS_DEVICE_MGMT;
	req[2] = 1;
	req[3] = method;
	memcpy(req + 8, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);	/* TID */
	srpt_put_be16(req + 16, attr);
	srpt_put_be32(req + 20, attr_mod);
	memset(req + SRPT_DM_HDR_LEN, 0xa5, SRPT_DM_DATA_LEN);	/* junk */
}

static u16 respond(void)
{
	memset(rsp, 0xcc, sizeof(rsp));
	assert_int_equal(srpt_dm_respond(exact_copy(req, sizeof(req)),
					 sizeof(req), rsp, sizeof(rsp), &info),
			 SRPT_MAD_LEN);
	/* header echoed, method GET_RESP, TID and attribute kept */
	assert_int_equal(rsp[0], 1);
	assert_int_equal(rsp[1], SRPT_MGMT_CLASS_DEVICE_MGMT);
	assert_int_equal(rsp[3], SRPT_MAD_METHOD_GET_RESP);
	assert_memory_equal(rsp + 8, req + 8, 8);
	assert_memory_equal(rsp + 16, req + 16, 8);
	return srpt_get_be16(rsp + 4);
}

static void assert_data_zero(void)
{
	static const u8 zero[SRPT_DM_DATA_LEN];

	assert_memory_equal(rsp + SRPT_DM_HDR_LEN, zero, sizeof(zero));
}

static void dm_class_port_info(void **s)
{
	(void)s;
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_CLASS_PORT_INFO, 0);
	assert_int_equal(respond(), 0);
	assert_int_equal(rsp[64], 1);			/* base version */
	assert_int_equal(rsp[65], 1);			/* class version */
	assert_int_equal(srpt_get_be32(rsp + 68), 20);	/* resp time */
}

static void dm_iou_info(void **s)
{
	int i;

	(void)s;
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_IOU_INFO, 0);
	assert_int_equal(respond(), 0);
	assert_int_equal(srpt_get_be16(rsp + 64), 1);	/* change ID */
	assert_int_equal(rsp[66], 16);			/* max controllers */
	assert_int_equal(rsp[67], 0);			/* no option ROM */
	assert_int_equal(rsp[68], 0x10);		/* slot 1 present */
	for (i = 69; i < 68 + 128; i++)
		assert_int_equal(rsp[i], 0);
}

static void dm_ioc_profile(void **s)
{
	const u8 *d = rsp + SRPT_DM_HDR_LEN;

	(void)s;
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_IOC_PROFILE, 1);
	assert_int_equal(respond(), 0);
	assert_true(srpt_get_be64(d) == info.ioc_guid);
	assert_int_equal(srpt_get_be32(d + 8) >> 8, 0x0002c9);	/* 24 bits */
	assert_int_equal(d[11], 0);
	assert_int_equal(srpt_get_be32(d + 12), 0x1017);
	assert_int_equal(srpt_get_be16(d + 16), 0x00a0);
	assert_int_equal(srpt_get_be32(d + 20) >> 8, 0x0015b3);
	assert_int_equal(srpt_get_be32(d + 24), 0x0008);
	assert_int_equal(srpt_get_be16(d + 28), 0x0100);	/* SRP r16a */
	assert_int_equal(srpt_get_be16(d + 30), 0x609e);
	assert_int_equal(srpt_get_be16(d + 32), 0x0108);
	assert_int_equal(srpt_get_be16(d + 34), 0x0001);
	assert_int_equal(srpt_get_be32(d + 36), 0);
	assert_int_equal(srpt_get_be16(d + 40), 128);
	assert_int_equal(d[42], 0);
	assert_int_equal(d[43], 4);
	assert_int_equal(srpt_get_be32(d + 44), 8276);
	assert_int_equal(srpt_get_be32(d + 48), 65536);
	assert_int_equal(d[52], 0x2b);
	assert_int_equal(d[53], 0);
	assert_int_equal(d[54], 1);
	assert_string_equal((const char *)d + 64, "Linux SRP target");
}

static void dm_ioc_profile_rdma_size_capped(void **s)
{
	struct srpt_dm_info big = info;

	(void)s;
	big.rdma_size = 1u << 30;
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_IOC_PROFILE, 1);
	assert_int_equal(srpt_dm_respond(exact_copy(req, sizeof(req)),
					 sizeof(req), rsp, sizeof(rsp), &big),
			 SRPT_MAD_LEN);
	assert_int_equal(srpt_get_be32(rsp + SRPT_DM_HDR_LEN + 48), 1u << 24);
}

static void dm_ioc_profile_slots(void **s)
{
	u32 slot;

	(void)s;
	for (slot = 0; slot < 300; slot++) {
		u16 want = slot == 1 ? 0 :
			   slot == 0 || slot > 16 ? SRPT_DM_STATUS_INVALID_FIELD :
			   SRPT_DM_STATUS_NO_IOC;

		mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_IOC_PROFILE, slot);
		assert_int_equal(respond(), want);
		if (want)
			assert_data_zero();
	}
}

static void dm_svc_entries(void **s)
{
	const u8 *d = rsp + SRPT_DM_HDR_LEN;
	int i;

	(void)s;
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_SVC_ENTRIES, 1 << 16);
	assert_int_equal(respond(), 0);
	assert_memory_equal(d, "SRP.T10:0002c90300a1b2c3", 24);
	for (i = 24; i < 40; i++)
		assert_int_equal(d[i], 0);
	assert_true(srpt_get_be64(d + 40) == info.ioc_guid);
	for (i = 48; i < SRPT_DM_DATA_LEN; i++)
		assert_int_equal(d[i], 0);
}

static void dm_svc_entries_bad(void **s)
{
	(void)s;
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_SVC_ENTRIES, 0);
	assert_int_equal(respond(), SRPT_DM_STATUS_INVALID_FIELD);
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_SVC_ENTRIES, 17 << 16);
	assert_int_equal(respond(), SRPT_DM_STATUS_INVALID_FIELD);
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_SVC_ENTRIES, 2 << 16);
	assert_int_equal(respond(), SRPT_DM_STATUS_NO_IOC);
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_SVC_ENTRIES,
	       1 << 16 | 1 << 8 | 1);		/* entry 1 of 1 */
	assert_int_equal(respond(), SRPT_DM_STATUS_INVALID_FIELD);
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_SVC_ENTRIES,
	       1 << 16 | 0 << 8 | 1);		/* hi < lo */
	assert_int_equal(respond(), SRPT_DM_STATUS_INVALID_FIELD);
	assert_data_zero();
}

static void dm_methods(void **s)
{
	(void)s;
	mk_req(SRPT_MAD_METHOD_SET, SRPT_DM_ATTR_IOU_INFO, 0);
	assert_int_equal(respond(), SRPT_DM_STATUS_UNSUP_METHOD_ATTR);
	assert_data_zero();
	mk_req(SRPT_MAD_METHOD_GET, 0x0013, 0);
	assert_int_equal(respond(), SRPT_DM_STATUS_UNSUP_METHOD_ATTR);
	mk_req(0x03, SRPT_DM_ATTR_IOU_INFO, 0);	/* SEND */
	assert_int_equal(respond(), SRPT_DM_STATUS_UNSUP_METHOD);
}

static void dm_not_answered(void **s)
{
	size_t len;

	(void)s;
	mk_req(SRPT_MAD_METHOD_GET_RESP, SRPT_DM_ATTR_IOU_INFO, 0);
	assert_int_equal(srpt_dm_respond(req, sizeof(req), rsp, sizeof(rsp),
					 &info), 0);
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_IOU_INFO, 0);
	req[1] = 0x04;				/* another class */
	assert_int_equal(srpt_dm_respond(req, sizeof(req), rsp, sizeof(rsp),
					 &info), 0);
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_IOU_INFO, 0);
	req[0] = 2;				/* base version */
	assert_int_equal(srpt_dm_respond(req, sizeof(req), rsp, sizeof(rsp),
					 &info), 0);
	mk_req(SRPT_MAD_METHOD_GET, SRPT_DM_ATTR_IOU_INFO, 0);
	for (len = 0; len < SRPT_DM_HDR_LEN; len++)
		assert_int_equal(srpt_dm_respond(exact_copy(req, len), len,
						 rsp, sizeof(rsp), &info), 0);
	/* a header-only request is answered from its header */
	assert_int_equal(srpt_dm_respond(exact_copy(req, SRPT_DM_HDR_LEN),
					 SRPT_DM_HDR_LEN, rsp, sizeof(rsp),
					 &info), SRPT_MAD_LEN);
	assert_int_equal(srpt_dm_respond(req, sizeof(req), rsp,
					 SRPT_MAD_LEN - 1, &info), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(dm_class_port_info, free_copy),
		cmocka_unit_test_teardown(dm_iou_info, free_copy),
		cmocka_unit_test_teardown(dm_ioc_profile, free_copy),
		cmocka_unit_test_teardown(dm_ioc_profile_rdma_size_capped,
					  free_copy),
		cmocka_unit_test_teardown(dm_ioc_profile_slots, free_copy),
		cmocka_unit_test_teardown(dm_svc_entries, free_copy),
		cmocka_unit_test_teardown(dm_svc_entries_bad, free_copy),
		cmocka_unit_test_teardown(dm_methods, free_copy),
		cmocka_unit_test_teardown(dm_not_answered, free_copy),
	};

	return cmocka_run_group_tests_name("dm", tests, NULL, NULL);
}
