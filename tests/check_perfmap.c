/*
 * check_perfmap.c — CPython perf maps: parsing, lookup, growth, and the
 * real map + valgrind XML of a CPython 3.12 -X perf run
 * (testdata/perf/, made by tests/fixtures/perf/make.sh).
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols/perfmap.h"

Suite *perfmap_suite(void);

#define PERF_DIR VGT_SRCDIR "/testdata/perf"

START_TEST(test_parse_and_lookup)
{
	struct strpool *pool = strpool_new();
	struct perfmap *map = perfmap_new(pool, "/nonexistent/perf-1.map");
	static const char text[] =
		"562ead4 b py::serve:/app/t.py\n"
		"562eac9 b py::leaky_endpoint:/app/t.py\n"
		"not a line\n"
		"\n"
		"7f00 0 py::zero_size:/app/t.py\n"
		"0x7000 20 py::<module>:/app/t.py\r\n";
	ck_assert_uint_eq(perfmap_parse(map, text, sizeof(text) - 1), 3);
	ck_assert_uint_eq(perfmap_skipped(map), 2);
	ck_assert_ptr_null(perfmap_lookup(map, 0x562eac8));
	ck_assert_str_eq(perfmap_lookup(map, 0x562eac9), "py::leaky_endpoint:/app/t.py");
	ck_assert_str_eq(perfmap_lookup(map, 0x562ead3), "py::leaky_endpoint:/app/t.py");
	ck_assert_str_eq(perfmap_lookup(map, 0x562ead4), "py::serve:/app/t.py");
	ck_assert_ptr_null(perfmap_lookup(map, 0x562eadf));
	ck_assert_str_eq(perfmap_lookup(map, 0x701f), "py::<module>:/app/t.py");
	ck_assert_ptr_null(perfmap_lookup(map, 0x7020));
	/* the same start written again later: the later line wins */
	static const char again[] = "1000 10 py::old:/a.py\n2000 10 py::x:/a.py\n1000 10 py::new:/a.py\n";
	ck_assert_uint_eq(perfmap_parse(map, again, sizeof(again) - 1), 3);
	ck_assert_str_eq(perfmap_lookup(map, 0x1001), "py::new:/a.py");
	perfmap_free(map);
	perfmap_free(NULL);
	strpool_free(pool);
}
END_TEST

START_TEST(test_missing_file)
{
	struct strpool *pool = strpool_new();
	struct perfmap *map = perfmap_new(pool, "/nonexistent/perf-1.map");
	struct vgt_error err;
	ck_assert_int_eq(perfmap_load(map, &err), -1);
	ck_assert_ptr_null(perfmap_lookup(map, 0x1000));
	ck_assert(!perfmap_readable(map));
	perfmap_free(map);
	strpool_free(pool);
}
END_TEST

/* A map that is a FIFO (nothing writes it) or /dev/zero is refused at
 * once, not read until memory runs out or forever. */
START_TEST(test_not_regular_refused)
{
	char dir[] = "/tmp/vgt-perfmap-XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char fifo[64], zero[64];
	snprintf(fifo, sizeof(fifo), "%s/perf-1.map", dir);
	snprintf(zero, sizeof(zero), "%s/perf-2.map", dir);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(symlink("/dev/zero", zero), 0);
	struct strpool *pool = strpool_new();
	const char *paths[] = {fifo, zero};
	for (int i = 0; i < 2; i++) {
		struct perfmap *map = perfmap_new(pool, paths[i]);
		struct vgt_error err;
		ck_assert_int_eq(perfmap_load(map, &err), -1);
		ck_assert(!perfmap_readable(map));
		ck_assert_ptr_null(perfmap_lookup(map, 0x1000));
		perfmap_free(map);
	}
	strpool_free(pool);
	unlink(fifo);
	unlink(zero);
	rmdir(dir);
}
END_TEST

/* The interpreter keeps appending: a miss re-reads a grown file once. */
START_TEST(test_reload_when_grown)
{
	struct strpool *pool = strpool_new();
	char path[] = "/tmp/vgt-perfmap-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	FILE *fp = fdopen(fd, "w");
	fputs("1000 10 py::first:/a.py\n", fp);
	fflush(fp);
	struct perfmap *map = perfmap_new(pool, path);
	ck_assert_str_eq(perfmap_lookup(map, 0x1008), "py::first:/a.py");
	ck_assert_ptr_null(perfmap_lookup(map, 0x2008)); /* not grown: no entry */
	fputs("2000 10 py::second:/a.py\n", fp);
	fflush(fp);
	ck_assert_str_eq(perfmap_lookup(map, 0x2008), "py::second:/a.py");
	ck_assert_uint_eq(perfmap_count(map), 2);
	fputs("3000 10 py::third:/a.py\n", fp);
	fflush(fp);
	ck_assert_ptr_null(perfmap_lookup(map, 0x3008)); /* only one reload */
	fclose(fp);
	unlink(path);
	perfmap_free(map);
	strpool_free(pool);
}
END_TEST

/* The map file of the real run and the pid in its name. */
static char *real_map_path(long *pid)
{
	DIR *d = opendir(PERF_DIR);
	ck_assert_ptr_nonnull(d);
	struct dirent *de;
	char *path = NULL;
	while ((de = readdir(d)) != NULL)
		if (sscanf(de->d_name, "perf-%ld.map", pid) == 1) {
			path = malloc(strlen(PERF_DIR) + strlen(de->d_name) + 2);
			sprintf(path, "%s/%s", PERF_DIR, de->d_name);
			break;
		}
	closedir(d);
	ck_assert_ptr_nonnull(path);
	return path;
}

/* The first object-less ip under the 1,234-byte leak of the real XML,
 * i.e. the trampoline valgrind shows as ??? . */
uint64_t perf_test_leak_ip(long *pid);
uint64_t perf_test_leak_ip(long *pid)
{
	FILE *fp = fopen(PERF_DIR "/perf312.xml", "r");
	ck_assert_ptr_nonnull(fp);
	char line[1024];
	int in_leak = 0, frame_has_obj = 0;
	uint64_t ip = 0, result = 0;
	*pid = 0;
	while (result == 0 && fgets(line, sizeof(line), fp) != NULL) {
		if (*pid == 0)
			sscanf(line, " <pid>%ld</pid>", pid);
		if (strstr(line, "1,234 bytes in 1 blocks are definitely lost") != NULL)
			in_leak = 1;
		if (!in_leak)
			continue;
		if (strstr(line, "<frame>") != NULL)
			frame_has_obj = 0, ip = 0;
		unsigned long v;
		if (sscanf(line, " <ip>0x%lx</ip>", &v) == 1)
			ip = v;
		if (strstr(line, "<obj>") != NULL)
			frame_has_obj = 1;
		if (strstr(line, "</frame>") != NULL && !frame_has_obj && ip != 0)
			result = ip;
	}
	fclose(fp);
	ck_assert(result != 0);
	return result;
}

START_TEST(test_real_map)
{
	struct strpool *pool = strpool_new();
	long pid_in_name, pid_in_xml;
	char *path = real_map_path(&pid_in_name);
	uint64_t ip = perf_test_leak_ip(&pid_in_xml);
	ck_assert_int_eq(pid_in_name, pid_in_xml);
	FILE *fp = fopen(path, "r");
	char line[1024];
	size_t lines = 0;
	while (fgets(line, sizeof(line), fp) != NULL)
		lines += line[0] != '\n';
	fclose(fp);
	struct perfmap *map = perfmap_new(pool, path);
	ck_assert_int_eq(perfmap_load(map, NULL), 0);
	ck_assert_uint_eq(perfmap_count(map), lines);
	ck_assert_uint_eq(perfmap_skipped(map), 0);
	const char *name = perfmap_lookup(map, ip);
	ck_assert_ptr_nonnull(name);
	ck_assert_msg(strncmp(name, "py::leaky_endpoint:", 19) == 0, "%s", name);
	ck_assert(strstr(name, "/tests/fixtures/perf/leak.py") != NULL);
	perfmap_free(map);
	free(path);
	strpool_free(pool);
}
END_TEST

Suite *perfmap_suite(void)
{
	Suite *s = suite_create("perfmap");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_parse_and_lookup);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_not_regular_refused);
	tcase_add_test(tc, test_reload_when_grown);
	tcase_add_test(tc, test_real_map);
	suite_add_tcase(s, tc);
	return s;
}
