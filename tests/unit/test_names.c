// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for port name formatting and parsing.
 */
#include "helpers.h"

/* Names are also passed as exact-size heap copies (including the NUL). */
static const char *str_copy(const char *s)
{
	return (const char *)exact_copy(s, strlen(s) + 1);
}

static int port(const char *name, u8 id[16], bool *is_guid)
{
	memset(id, 0x5a, 16);
	*is_guid = false;
	return srpt_parse_port_name(str_copy(name), id, is_guid);
}

static int initiator(const char *name, u8 id[16])
{
	memset(id, 0x5a, 16);
	return srpt_parse_initiator_name(str_copy(name), id);
}

static const u8 guid[8] = { 0x00, 0x02, 0xc9, 0x03, 0x00, 0x0a, 0xbc, 0xde };
static const u8 gid[16] = {
	0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x02, 0xc9, 0x03, 0x00, 0x0a, 0xbc, 0xde,
};

static void format_guid(void **s)
{
	char out[32];
	static const u8 ff[8] = { 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99,
				  0x88 };

	(void)s;
	memset(out, 'X', sizeof(out));
	srpt_format_guid(out, guid);
	assert_string_equal(out, "0002:c903:000a:bcde");
	assert_int_equal(strlen(out), SRPT_GUID_NAME_LEN - 1);
	assert_int_equal(out[SRPT_GUID_NAME_LEN], 'X');

	srpt_format_guid(out, ff);
	assert_string_equal(out, "ffee:ddcc:bbaa:9988");
}

static void format_gid(void **s)
{
	char out[48];

	(void)s;
	memset(out, 'X', sizeof(out));
	srpt_format_gid(out, gid);
	assert_string_equal(out, "0xfe800000000000000002c903000abcde");
	assert_int_equal(strlen(out), SRPT_GID_NAME_LEN - 1);
	assert_int_equal(out[SRPT_GID_NAME_LEN], 'X');
}

static void port_guid_form(void **s)
{
	u8 id[16], exp[16];
	bool is_guid;

	(void)s;
	memset(exp, 0, 8);
	memcpy(exp + 8, guid, 8);

	assert_int_equal(port("0002:c903:000a:bcde", id, &is_guid), 0);
	assert_memory_equal(id, exp, 16);
	assert_true(is_guid);

	assert_int_equal(port("0002:C903:000A:BCDE", id, &is_guid), 0);
	assert_memory_equal(id, exp, 16);
	assert_true(is_guid);

	assert_int_equal(port("0002:c903:000A:bCdE", id, &is_guid), 0);
	assert_memory_equal(id, exp, 16);
}

static void port_gid_form(void **s)
{
	u8 id[16];
	bool is_guid;

	(void)s;
	assert_int_equal(port("0xfe800000000000000002c903000abcde", id,
			      &is_guid), 0);
	assert_memory_equal(id, gid, 16);
	assert_false(is_guid);

	is_guid = true;
	assert_int_equal(port("0xFE800000000000000002C903000ABCDE", id,
			      &is_guid), 0);
	assert_memory_equal(id, gid, 16);
	assert_false(is_guid);
}

static void port_round_trip(void **s)
{
	char name[SRPT_GID_NAME_LEN];
	u8 id[16], in[16];
	bool is_guid;
	int i;

	(void)s;
	for (i = 0; i < 16; i++)
		in[i] = (u8)(i * 17 + 3);
	srpt_format_gid(name, in);
	assert_int_equal(port(name, id, &is_guid), 0);
	assert_memory_equal(id, in, 16);
	assert_false(is_guid);

	srpt_format_guid(name, in + 8);
	assert_int_equal(port(name, id, &is_guid), 0);
	assert_bytes(id, 8, 0);
	assert_memory_equal(id + 8, in + 8, 8);
	assert_true(is_guid);
}

static void port_bad(void **s)
{
	static const char *const bad[] = {
		"",
		"0",
		"0x",
		"0002:c903:000a:bcd",		/* short */
		"0002:c903:000a:bcdef",		/* long */
		"0002:c903:000a:bcde:",
		"002:c903:000a:bcdef",		/* group sizes wrong */
		"0002:c903:000a::bcd",
		"0002-c903-000a-bcde",
		"0002:c903:000a.bcde",
		"000g:c903:000a:bcde",
		"0002:c903:000a:bcdz",
		" 0002:c903:000a:bcde",
		"0002:c903:000a:bcde ",
		"0002c903000abcde",		/* GUID without colons */
		"0xfe800000000000000002c903000abcd",	/* 31 digits */
		"0xfe800000000000000002c903000abcdef",	/* 33 digits */
		"0xfe800000000000000002c903000abcdg",
		"0x fe800000000000000002c903000abcd",
		"0x-e800000000000000002c903000abcde",
		"fe800000000000000002c903000abcde",	/* no 0x */
		"00fe800000000000000002c903000abcde",	/* no 0x, 34 */
		"x0fe800000000000000002c903000abcde",
		"0x0002:c903:000a:bcde",
	};
	unsigned int i;
	u8 id[16];
	bool is_guid;

	(void)s;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (port(bad[i], id, &is_guid) != -EINVAL)
			fail_msg("accepted port name \"%s\"", bad[i]);
		/* Output untouched on error. */
		assert_bytes(id, 16, 0x5a);
	}
}

static void initiator_ok(void **s)
{
	u8 id[16], exp[16];

	(void)s;
	/* GUID form. */
	memset(exp, 0, 8);
	memcpy(exp + 8, guid, 8);
	assert_int_equal(initiator("0002:c903:000a:bcde", id), 0);
	assert_memory_equal(id, exp, 16);

	/* 0x + 32 digits and plain 32 digits, either case. */
	assert_int_equal(initiator("0xfe800000000000000002c903000abcde",
				   id), 0);
	assert_memory_equal(id, gid, 16);
	assert_int_equal(initiator("fe800000000000000002c903000abcde", id),
			 0);
	assert_memory_equal(id, gid, 16);
	assert_int_equal(initiator("FE800000000000000002C903000ABCDE", id),
			 0);
	assert_memory_equal(id, gid, 16);
	assert_int_equal(initiator("0XFE800000000000000002C903000ABCDE", id),
			 0);
	assert_memory_equal(id, gid, 16);

	/* Short even counts are right-aligned. */
	memset(exp, 0, 16);
	exp[15] = 0xab;
	assert_int_equal(initiator("ab", id), 0);
	assert_memory_equal(id, exp, 16);
	assert_int_equal(initiator("0xAB", id), 0);
	assert_memory_equal(id, exp, 16);

	memset(exp, 0, 16);
	exp[14] = 0x12;
	exp[15] = 0x34;
	assert_int_equal(initiator("0x1234", id), 0);
	assert_memory_equal(id, exp, 16);

	/* 16 digits: a GUID without colons lands in bytes 8..15. */
	memset(exp, 0, 8);
	memcpy(exp + 8, guid, 8);
	assert_int_equal(initiator("0x0002c903000abcde", id), 0);
	assert_memory_equal(id, exp, 16);

	/* 30 digits. */
	memset(exp, 0, 16);
	memset(exp + 1, 0x11, 15);
	assert_int_equal(initiator("111111111111111111111111111111", id), 0);
	assert_memory_equal(id, exp, 16);
}

static void initiator_bad(void **s)
{
	static const char *const bad[] = {
		"",
		"0x",
		"0X",
		"1",
		"123",
		"0x123",
		"0x1",
		"fe800000000000000002c903000abcd",	/* 31 */
		"0xfe800000000000000002c903000abcdef",	/* 33 */
		"fe800000000000000002c903000abcde00",	/* 34 */
		"0xfe800000000000000002c903000abcde00",
		"12g4",
		"0x12 4",
		" 1234",
		"1234 ",
		"12:34",
		"0002:c903:000a:bcd",
		"0002:c903:000a:bcde0",
		"0002-c903-000a-bcde",
		"0x0x12",
		"xx1234",
	};
	unsigned int i;
	u8 id[16];

	(void)s;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (initiator(bad[i], id) != -EINVAL)
			fail_msg("accepted initiator name \"%s\"", bad[i]);
		assert_bytes(id, 16, 0x5a);
	}
}

/* Very long strings must be rejected without scanning them entirely. */
static void long_names(void **s)
{
	char name[4096];
	u8 id[16];
	bool is_guid;

	(void)s;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(initiator(name, id), -EINVAL);
	assert_int_equal(port(name, id, &is_guid), -EINVAL);
	name[0] = '0';
	name[1] = 'x';
	assert_int_equal(initiator(name, id), -EINVAL);
	assert_int_equal(port(name, id, &is_guid), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(format_guid),
		T(format_gid),
		T(port_guid_form),
		T(port_gid_form),
		T(port_round_trip),
		T(port_bad),
		T(initiator_ok),
		T(initiator_bad),
		T(long_names),
	};

	return RUN("names", tests);
}
