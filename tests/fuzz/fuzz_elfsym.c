/*
 * fuzz_elfsym.c — an object valgrind named, read through the source
 * policy and libdwfl (seeds: the real ELF files of testdata/cxxsym/, kept
 * inputs under testdata/fuzz/elfsym/).  The input is written to a scratch
 * file that the locate callback gives as the object's file: the policy's
 * checks (regular file, size), the ELF header checks, libdwfl's symbol
 * table, the demangled-name index, bias learning and resolving all run as
 * for a frame of the user's own object.  Names, ips and the process come
 * from the input's hash.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "symbols/elfsym.h"

static char scratch[64];

static void remove_scratch(void)
{
	unlink(scratch);
}

static char *locate(void *ctx, const char *obj)
{
	(void)ctx;
	(void)obj;
	return strdup(scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (scratch[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(scratch, sizeof(scratch), "%.40s/vgt-fuzz-elf.XXXXXX",
			 tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
		int fd = mkstemp(scratch);
		if (fd < 0)
			abort();
		close(fd);
		atexit(remove_scratch);
	}
	int fd = open(scratch, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		abort();
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
	close(fd);

	struct elfsym_options opts;
	memset(&opts, 0, sizeof(opts));
	opts.locate = locate;
	opts.debug_root = "/nonexistent";
	struct elfsym *es = elfsym_new(&opts);
	uint32_t state = fuzz_hash(data, size);
	static const char *const names[] = {
		"main", "leak", "_Z4leakv", "operator new(unsigned long)", "malloc",
		"geo::Pool::Pool(unsigned long)", "_ZN3geo4PoolC1Em",
	};
	const char *const objs[] = {"/run/libfuzz.so", "/run/./libfuzz.so", "/run//libfuzz.so"};
	for (int i = 0; i < 24; i++) {
		uint32_t r = fuzz_next(&state);
		uint64_t ip = 0x400000u + (fuzz_next(&state) & 0xfffffu);
		const char *obj = objs[r % 3];
		long pid = (long)(r >> 8) % 3;
		if (r & 0x10)
			elfsym_learn(es, obj, pid, names[(r >> 4) % 7], ip, (r & 1) != 0);
		struct elfsym_frame f;
		elfsym_resolve(es, obj, pid, ip, (r & 2) != 0, &f);
		int glob;
		elfsym_linkage_name(es, obj, pid, names[(r >> 12) % 7], ip, &glob);
		if (i == 12)
			elfsym_add_maps(es, pid, "00400000-00500000 r-xp 00000000 08:01 1 /run/libfuzz.so\n");
	}
	/* one file under three spellings: one object */
	if (elfsym_count(es) > 1)
		abort();
	for (size_t i = 0; i < elfsym_count(es); i++) {
		struct elfsym_object info;
		elfsym_object_info(es, i, &info);
	}
	elfsym_free(es);
	return 0;
}
