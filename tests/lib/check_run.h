/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The main() of a Check test program: run its suite and exit 0 only when
 * every case passed.  Fork mode and the TAP log come from the environment
 * (CK_FORK, CK_TAP_LOG_FILE_NAME: tests/lib/testlib.sh sets them).
 */
#ifndef MIXNET_TEST_CHECK_RUN_H
#define MIXNET_TEST_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* MIXNET_TEST_CHECK_RUN_H */
