// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the UAPI header is 64-bit clean and its layout is frozen.
 * A change to a struct's size or field offsets breaks binary
 * compatibility and must come with a new MIXNET_UAPI_VERSION.
 */
#include <check.h>
#include <stddef.h>
#include <stdlib.h>

#include <linux/mixnet.h>

#include "../lib/check_run.h"

/* Sizes a 32-bit and a 64-bit ABI agree on: multiples of 8, fixed values. */
START_TEST(test_struct_sizes)
{
	ck_assert_uint_eq(sizeof(struct mixnet_xconnect), 8);
	ck_assert_uint_eq(sizeof(struct mixnet_ocs_release), 8);
	ck_assert_uint_eq(sizeof(struct mixnet_ocs_info), 112);
	ck_assert_uint_eq(sizeof(struct mixnet_ocs_get), 40);
	ck_assert_uint_eq(sizeof(struct mixnet_ocs_apply), 80);
	ck_assert_uint_eq(sizeof(struct mixnet_ocs_event), 48);
}
END_TEST

/* 64-bit fields sit on 8-byte offsets, so i386 and x86_64 lay them out alike. */
START_TEST(test_u64_alignment)
{
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_info, generation) % 8, 0);
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_info, last_switch_start_ns) % 8, 0);
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_get, xconnects) % 8, 0);
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_apply, xconnects) % 8, 0);
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_apply, release) % 8, 0);
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_apply, expected_generation) % 8, 0);
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_apply, generation) % 8, 0);
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_event, generation) % 8, 0);
	ck_assert_uint_eq(offsetof(struct mixnet_ocs_event, timestamp_ns) % 8, 0);
}
END_TEST

/* The ioctl numbers encode the struct sizes: a layout change changes them. */
START_TEST(test_ioctl_numbers)
{
	ck_assert_uint_eq(_IOC_TYPE(MIXNET_OCS_IOC_INFO), MIXNET_OCS_IOC_MAGIC);
	ck_assert_uint_eq(_IOC_SIZE(MIXNET_OCS_IOC_INFO), sizeof(struct mixnet_ocs_info));
	ck_assert_uint_eq(_IOC_DIR(MIXNET_OCS_IOC_INFO), _IOC_READ);
	ck_assert_uint_eq(_IOC_DIR(MIXNET_OCS_IOC_GET), _IOC_READ | _IOC_WRITE);
	ck_assert_uint_eq(_IOC_DIR(MIXNET_OCS_IOC_APPLY), _IOC_READ | _IOC_WRITE);
	ck_assert_uint_ne(MIXNET_OCS_IOC_INFO, MIXNET_OCS_IOC_GET);
	ck_assert_uint_ne(MIXNET_OCS_IOC_GET, MIXNET_OCS_IOC_APPLY);
}
END_TEST

START_TEST(test_constants)
{
	ck_assert_int_eq(MIXNET_ETH_P_HELLO, 0x88B5);
	ck_assert_str_eq(MIXNET_GENL_NAME, "mixnet");
	ck_assert_str_eq(MIXNET_GENL_MCGRP_EVENTS, "events");
	ck_assert_int_ge(MIXNET_UAPI_VERSION, 1);
	ck_assert_int_eq(MIXNET_CMD_MAX, __MIXNET_CMD_MAX - 1);
	ck_assert_int_eq(MIXNET_OCS_MIN_PORTS, 2);
	ck_assert_int_ge(MIXNET_OCS_MAX_PORTS, 256);
	ck_assert_int_le(MIXNET_OCS_MAX_DEVICES, 100);	/* "ocsNNpKKKK" fits IFNAMSIZ */
	ck_assert_int_eq(MIXNET_OCS_MAX_SWITCH_DELAY_US, 10000000);
	ck_assert_int_eq(MIXNET_OCS_EVENT_RING & (MIXNET_OCS_EVENT_RING - 1), 0);
}
END_TEST

static Suite *uapi_suite(void)
{
	Suite *s = suite_create("uapi");
	TCase *tc = tcase_create("layout");

	tcase_add_test(tc, test_struct_sizes);
	tcase_add_test(tc, test_u64_alignment);
	tcase_add_test(tc, test_ioctl_numbers);
	tcase_add_test(tc, test_constants);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return check_run(uapi_suite());
}
