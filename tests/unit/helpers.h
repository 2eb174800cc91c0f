/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared helpers for the srpt_proto unit tests.
 *
 * Every parser is handed an exact-size malloc() copy of its input so that
 * AddressSanitizer reports any read past the length it was given.  The copy
 * stays alive until the next copy or the end of the test (teardown), so that
 * pointers returned into it can be checked with OFF().
 */
#ifndef SRPT_TEST_HELPERS_H
#define SRPT_TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srpt_proto.h"

static u8 *last_copy;

/* Exact-size heap copy of @len bytes at @src (freed by the next call). */
static inline u8 *exact_copy(const void *src, size_t len)
{
	free(last_copy);
	last_copy = malloc(len);
	assert_non_null(last_copy);
	if (len)
		memcpy(last_copy, src, len);
	return last_copy;
}

/* Offset of @p inside the current exact copy, or -1 for NULL. */
#define OFF(p) ((p) ? (long)((const u8 *)(p) - last_copy) : -1L)

static inline int free_copy(void **state)
{
	(void)state;
	free(last_copy);
	last_copy = NULL;
	return 0;
}

/* Every test runs with the teardown that frees the last copy. */
#define T(fn) cmocka_unit_test_teardown(fn, free_copy)

/* The 8 tag bytes used everywhere, and the opaque u64 they stand for. */
static const u8 tag_bytes[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
				 0x88 };

static inline u64 tag_val(void)
{
	u64 t;

	memcpy(&t, tag_bytes, 8);
	return t;
}

static inline u64 bytes_tag(const u8 *b)
{
	u64 t;

	memcpy(&t, b, 8);
	return t;
}

/* Assert that @n bytes at @p all equal @v. */
static inline void assert_bytes(const u8 *p, size_t n, u8 v)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(p[i], v);
}

#define RUN(name, tests) cmocka_run_group_tests_name(name, tests, NULL, NULL)

#endif /* SRPT_TEST_HELPERS_H */
