// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Unit tests for the shared receive queue layout (srpt_srq_layout()): one
 * SRQ per completion vector, bounded, and the device's buffers split, not
 * multiplied.
 */
#include "helpers.h"

static u32 layout(u32 nvec, u32 max_srq, u32 max_wr, u32 total, u32 *size)
{
	*size = 0xdeadbeef;
	return srpt_srq_layout(nvec, max_srq, max_wr, total, size);
}

/* Soft-RoCE: one completion vector, one SRQ of every buffer. */
static void one_vector(void **s)
{
	u32 size;

	(void)s;
	assert_int_equal(layout(1, 262143, 32767, 4095, &size), 1);
	assert_int_equal(size, 4095);
}

/* One SRQ per vector, each an equal share: the memory stays the same. */
static void per_vector(void **s)
{
	u32 size;

	(void)s;
	assert_int_equal(layout(2, 1024, 32767, 4095, &size), 2);
	assert_int_equal(size, 2047);
	assert_int_equal(layout(8, 1024, 32767, 4096, &size), 8);
	assert_int_equal(size, 512);
	assert_true(8 * size <= 4096);
}

/* Never more than SRPT_MAX_SRQS, or than the device has. */
static void bounded_count(void **s)
{
	u32 size;

	(void)s;
	assert_int_equal(layout(64, 1 << 20, 1 << 20, 65535, &size),
			 SRPT_MAX_SRQS);
	assert_int_equal(size, 65535 / SRPT_MAX_SRQS);
	assert_int_equal(layout(8, 3, 32767, 4095, &size), 3);
	assert_int_equal(size, 1365);
}

/* Fewer SRQs rather than SRQs below SRPT_SRQ_MIN_SHARE buffers. */
static void min_share(void **s)
{
	u32 size;

	(void)s;
	assert_int_equal(layout(16, 1024, 32767, 1024, &size), 4);
	assert_int_equal(size, 256);
	/* srpt_srq_size's minimum (4): one small SRQ. */
	assert_int_equal(layout(16, 1024, 32767, 4, &size), 1);
	assert_int_equal(size, 4);
}

/* Each SRQ at most what the device allows per SRQ. */
static void max_wr(void **s)
{
	u32 size;

	(void)s;
	assert_int_equal(layout(1, 16, 1023, 4095, &size), 1);
	assert_int_equal(size, 1023);
	assert_int_equal(layout(2, 16, 1023, 4095, &size), 2);
	assert_int_equal(size, 1023);
}

/* A device that reports no vector or no SRQ: one, creation decides. */
static void degenerate(void **s)
{
	u32 size;

	(void)s;
	assert_int_equal(layout(0, 1024, 32767, 4095, &size), 1);
	assert_int_equal(size, 4095);
	assert_int_equal(layout(4, 0, 0, 4095, &size), 1);
	assert_int_equal(size, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(one_vector),
		T(per_vector),
		T(bounded_count),
		T(min_share),
		T(max_wr),
		T(degenerate),
	};

	return RUN("srq", tests);
}
