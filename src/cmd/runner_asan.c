/*
 * runner_asan.c — `vgtriage run --engine asan`: the command runs natively
 * with AddressSanitizer/LeakSanitizer instead of under valgrind, and the
 * report of every process (one log_path file per pid) is read with the
 * LSan reader.
 *
 *   - A Python interpreter is not built with ASan: the runtime
 *     (gcc -print-file-name=libasan.so) is preloaded for it, and
 *     PYTHONMALLOC=malloc set (unless the user set it), so that every
 *     object goes through the intercepted malloc.  Its extension modules
 *     under the current directory are looked at first: when none was built
 *     with -fsanitize=address, run stops with one line saying so.
 *   - Any other program must be built with -fsanitize=address itself: its
 *     ELF file must refer to __asan_init (or need libasan).
 *   - ASAN_OPTIONS: malloc_context_size=40, symbolize=1, exitcode=0
 *     (the sanitizer's findings are the report's, the exit status stays
 *     the program's own or the gate's), then the user's ASAN_OPTIONS, then
 *     detect_leaks=1, log_exe_name=1 and log_path=DIR/asan in a private
 *     temp dir (a process's report goes to DIR/asan.EXE.PID).  With the
 *     runtime preloaded for Python, the reports of other executables the
 *     program started (a pyenv shim's bash, a test's sh -c) are left out,
 *     with a note: their leaks are not the user's.
 *   - --per-test: the harness's environment (harness.h) and
 *     VGTRIAGE_LSAN_DIR=DIR: the client library (client/vgtriage_pertest.c)
 *     then sends the runtime's reports, with its markers, to
 *     DIR/asan.vgtriage-pertest.PID and asks for a leak check after each
 *     test; the LSan reader turns consecutive checks into changes.
 *   - Allocation stacks are taken with the fast (frame pointer) unwinder:
 *     they stop at the first frame of code built without frame pointers
 *     (CPython's own), after the user's frames of an extension built with
 *     -fsanitize=address (which keeps them).  fast_unwind_on_malloc=0 in
 *     ASAN_OPTIONS gives whole stacks, at valgrind's cost on Python
 *     (measured on the seed service: 21 s of CPU against 1.7 s); a Python
 *     run without it gets a note saying so.  On msgpack-python's tests the
 *     fast stacks hid a Python string its unpacker lost (valgrind and the
 *     whole stacks both name msgpack/unpack.h:244).
 *   - A process that exited and wrote no report had no leak LeakSanitizer
 *     found: its input is a clean one, with LSan's figures 0 (LSan writes
 *     nothing then); one that died of a signal without a report is an
 *     incomplete input.
 */
#include "cmd/runner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/escape.h"
#include "cmd/runner_internal.h"
#include "base/srcpolicy.h"

#define READ_CHUNK (64 * 1024)
#define SCAN_MAX_ENTRIES 5000
#define SCAN_MAX_DEPTH 4

/* ---- is an ELF file built with ASan? ----------------------------------- */

/* "__asan_init" (and its versioned forms), tested in two parts: the
 * whole name as a string in vgtriage's own binary would make it look
 * ASan-built to a grep (tests/golden_pertest.sh asks that way). */
static int is_asan_init(const char *name)
{
	return name != NULL && strncmp(name, "__asan_", 7) == 0 && strncmp(name + 7, "init", 4) == 0;
}

/* 1: refers to __asan_init (or needs an ASan runtime); 0: an ELF file
 * without it; -1: not an ELF file (a script) or unreadable. */
int runner_elf_has_asan(const char *path)
{
	/* the object kind's checks and 1 GiB cap, as for any object read */
	struct stat st;
	const char *why = NULL;
	int fd = srcpolicy_open_kind(path, SRCPOLICY_OBJECT, &st, NULL, &why);
	if (fd < 0)
		return -1;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	int found = -1;
	if (e != NULL && elf_kind(e) == ELF_K_ELF) {
		found = 0;
		Elf_Scn *scn = NULL;
		while (!found && (scn = elf_nextscn(e, scn)) != NULL) {
			GElf_Shdr sh;
			if (gelf_getshdr(scn, &sh) == NULL)
				continue;
			Elf_Data *data = elf_getdata(scn, NULL);
			if (data == NULL || sh.sh_entsize == 0)
				continue;
			size_t n = sh.sh_size / sh.sh_entsize;
			if (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB) {
				for (size_t i = 0; i < n && !found; i++) {
					GElf_Sym sym;
					if (gelf_getsym(data, (int)i, &sym) == NULL)
						continue;
					const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
					found = is_asan_init(name);
				}
			} else if (sh.sh_type == SHT_DYNAMIC) {
				for (size_t i = 0; i < n && !found; i++) {
					GElf_Dyn dyn;
					if (gelf_getdyn(data, (int)i, &dyn) == NULL || dyn.d_tag != DT_NEEDED)
						continue;
					const char *name = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
					found = name != NULL && (strstr(name, "libasan") != NULL ||
								 strstr(name, "clang_rt.asan") != NULL);
				}
			}
		}
	}
	if (e != NULL)
		elf_end(e);
	close(fd);
	return found;
}

/* ---- Python extensions under the current directory -------------------- */

struct ext_scan {
	size_t entries;
	size_t asan, plain;
	char first_plain[1024];
};

static int is_extension(const char *name)
{
	size_t n = strlen(name);
	return n > 3 && strcmp(name + n - 3, ".so") == 0 &&
	       (strstr(name, ".cpython-") != NULL || strstr(name, ".abi3.") != NULL ||
		strstr(name, ".pypy") != NULL);
}

static void scan_dir(const char *dir, int depth, struct ext_scan *s)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && s->entries < SCAN_MAX_ENTRIES) {
		s->entries++;
		if (de->d_name[0] == '.')
			continue; /* ., .., .git, .venv, .tox */
		char *path = xasprintf("%s/%s", dir, de->d_name);
		struct stat sb;
		if (lstat(path, &sb) == 0) {
			if (S_ISDIR(sb.st_mode) && depth < SCAN_MAX_DEPTH) {
				scan_dir(path, depth + 1, s);
			} else if (S_ISREG(sb.st_mode) && is_extension(de->d_name)) {
				int has = runner_elf_has_asan(path);
				if (has > 0) {
					s->asan++;
				} else if (has == 0) {
					if (s->plain++ == 0)
						snprintf(s->first_plain, sizeof(s->first_plain), "%s", path);
				}
			}
		}
		free(path);
	}
	closedir(d);
}

/* ---- the runtime --------------------------------------------------------- */

/* The ASan runtime gcc (or cc) links with: "/usr/lib/gcc/…/libasan.so". */
static char *find_runtime(void)
{
	const char *env = getenv("VGTRIAGE_ASAN_RUNTIME");
	if (env != NULL && env[0] != '\0')
		return access(env, R_OK) == 0 ? xstrdup(env) : NULL;
	static const char *const cmds[] = {
		"gcc -print-file-name=libasan.so 2>/dev/null",
		"cc -print-file-name=libasan.so 2>/dev/null",
	};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		FILE *p = popen(cmds[i], "r");
		if (p == NULL)
			continue;
		char line[4096];
		char *got = fgets(line, sizeof(line), p);
		pclose(p);
		if (got == NULL)
			continue;
		line[strcspn(line, "\n")] = '\0';
		/* without the library gcc echoes the bare name back */
		if (strchr(line, '/') != NULL && access(line, R_OK) == 0)
			return xstrdup(line);
	}
	return NULL;
}

/* ---- the run -------------------------------------------------------------- */

/* The per-test client's report file: DIR/asan.vgtriage-pertest.PID. */
#define PERTEST_EXE "vgtriage-pertest"

static void child_env(const char *tmpdir, const char *runtime, int python,
		      const struct harness *per_test)
{
	if (per_test != NULL) {
		harness_setenv(per_test);
		setenv("VGTRIAGE_LSAN_DIR", tmpdir, 1);
	}
	const char *user = getenv("ASAN_OPTIONS");
	char *opts = xasprintf("malloc_context_size=40:symbolize=1:"
			       "exitcode=0%s%s:detect_leaks=1:log_exe_name=1:log_path=%s/asan",
			       user != NULL && user[0] != '\0' ? ":" : "",
			       user != NULL ? user : "", tmpdir);
	setenv("ASAN_OPTIONS", opts, 1);
	free(opts);
	if (python) {
		if (getenv("PYTHONMALLOC") == NULL)
			setenv("PYTHONMALLOC", "malloc", 1);
		const char *pre = getenv("LD_PRELOAD");
		char *v = pre != NULL && pre[0] != '\0' ? xasprintf("%s %s", runtime, pre)
							: xstrdup(runtime);
		setenv("LD_PRELOAD", v, 1);
		free(v);
	}
}

/* A report file DIR/asan.EXE.PID (log_exe_name=1). */
struct report_file {
	long pid;
	char *exe;   /* the executable's base name, as the runtime wrote it */
	char *name;  /* the file's name in DIR */
};

static int cmp_pid(const void *a, const void *b)
{
	long x = ((const struct report_file *)a)->pid, y = ((const struct report_file *)b)->pid;
	return (x > y) - (x < y);
}

/* The reports of DIR, by pid; the program's (first) first. */
static struct report_file *report_files(const char *dir, long first, size_t *n)
{
	*n = 0;
	struct report_file *files = NULL;
	size_t cap = 0;
	DIR *d = opendir(dir);
	if (d == NULL)
		return NULL;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		const char *dot = strrchr(de->d_name, '.');
		if (strncmp(de->d_name, "asan.", 5) != 0 || dot == NULL || dot < de->d_name + 4)
			continue;
		char *end;
		long pid = strtol(dot + 1, &end, 10);
		if (end == dot + 1 || *end != '\0' || pid <= 0)
			continue;
		files = xgrow(files, &cap, *n + 1, sizeof(*files));
		struct report_file *f = &files[(*n)++];
		f->pid = pid;
		f->name = xstrdup(de->d_name);
		size_t exe_len = dot > de->d_name + 5 ? (size_t)(dot - de->d_name - 5) : 0;
		f->exe = xasprintf("%.*s", (int)exe_len, de->d_name + 5);
	}
	closedir(d);
	if (*n > 1)
		qsort(files, *n, sizeof(*files), cmp_pid);
	for (size_t i = 1; i < *n; i++) {
		if (files[i].pid == first) {
			struct report_file keep = files[i];
			memmove(files + 1, files, i * sizeof(*files));
			files[0] = keep;
			break;
		}
	}
	return files;
}

static void read_report(struct run *r, const char *dir, const struct report_file *f)
{
	char *path = xasprintf("%s/%s", dir, f->name);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	free(path);
	if (fd < 0)
		return;
	char label[64];
	snprintf(label, sizeof(label), "pid %ld", f->pid);
	struct pipeline_stream *st = pipeline_stream_open(r->pl, label, "lsan");
	struct vgt_input *in = pipeline_stream_input(st);
	struct vgt_error e;
	vgt_error_clear(&e);
	int failed = 0;
	char *buf = xmalloc(READ_CHUNK);
	ssize_t n;
	while ((n = read(fd, buf, READ_CHUNK)) > 0)
		if (!failed && pipeline_stream_feed(st, buf, (size_t)n, &e) < 0)
			failed = 1;
	free(buf);
	close(fd);
	if (in != NULL && in->command == NULL && f->exe[0] != '\0' && strcmp(f->exe, PERTEST_EXE) != 0)
		in->command = strpool_intern(pipeline_report(r->pl)->pool, f->exe);
	int rc = failed ? -1 : 0;
	if (!failed) {
		vgt_error_clear(&e);
		rc = pipeline_stream_close(st, &e);
	} else {
		pipeline_stream_close(st, NULL);
	}
	if (rc != 0) {
		struct vgt_error w;
		vgt_error_set(&w, NULL, 0, 0, "pid %ld: %s", f->pid, e.message);
		runner_note_warning(r, &w);
	}
	runner_add_pid(r->res, f->pid);
}

/* With the runtime preloaded for Python, every program the run starts
 * gets it too (a pyenv shim's bash, a test's sh -c): reports of
 * executables other than Python's are theirs, not the user's. */
static int preload_bystander(const struct report_file *f, int python)
{
	int major, minor;
	return python && f->exe[0] != '\0' && strcmp(f->exe, PERTEST_EXE) != 0 &&
	       !runner_python_name(f->exe, &major, &minor);
}

/* Checks what the run needs; *runtime: the library to preload (Python). */
static int prepare(const struct run_options *opts, const char *program, int python,
		   char **runtime, struct run *r, struct vgt_error *err)
{
	char name[512];
	escape_text_buf(name, sizeof(name), opts->command[0]);
	if (opts->watch_seconds > 0)
		return vgt_error_set(err, NULL, 0, 0, "--watch needs valgrind's gdbserver "
				     "(--engine valgrind)");
	if (opts->n_valgrind_args > 0 || opts->keep_xml != NULL)
		return vgt_error_set(err, NULL, 0, 0, "--valgrind-arg and --keep-xml are valgrind's: "
				     "with --engine asan set ASAN_OPTIONS / LSAN_OPTIONS instead");
	if (!python) {
		if (runner_elf_has_asan(program) == 0)
			return vgt_error_set(err, NULL, 0, 0, "%s was not built with -fsanitize=address "
					     "(no AddressSanitizer symbols in it): rebuild it with "
					     "-fsanitize=address, or run it under valgrind "
					     "(--engine valgrind)", name);
		return 0;
	}
	*runtime = find_runtime();
	if (*runtime == NULL)
		return vgt_error_set(err, NULL, 0, 0, "the AddressSanitizer runtime was not found "
				     "(gcc -print-file-name=libasan.so names no file): install gcc "
				     "and libasan (Debian: gcc, libasan8), or set "
				     "VGTRIAGE_ASAN_RUNTIME=/path/to/libasan.so");
	struct ext_scan s;
	memset(&s, 0, sizeof(s));
	scan_dir(".", 0, &s);
	char plain[1100];
	escape_text_buf(plain, sizeof(plain), s.first_plain);
	if (s.plain > 0 && s.asan == 0)
		return vgt_error_set(err, NULL, 0, 0, "no Python extension under the current directory "
				     "was built with -fsanitize=address (%s has no AddressSanitizer symbols): "
				     "rebuild it with CFLAGS=-fsanitize=address, or run under "
				     "valgrind (--engine valgrind)", plain);
	if (s.plain > 0) {
		struct vgt_error w;
		vgt_error_set(&w, NULL, 0, 0, "%zu Python extension%s under the current directory "
			      "%s not built with -fsanitize=address (e.g. %s): LeakSanitizer "
			      "still finds their leaks, AddressSanitizer none of their errors",
			      s.plain, s.plain == 1 ? "" : "s", s.plain == 1 ? "is" : "are", plain);
		runner_note_warning(r, &w);
	}
	return 0;
}

int runner_run_asan(struct run *r, struct vgt_error *err)
{
	const struct run_options *opts = r->opts;
	struct pipeline *pl = r->pl;
	struct run_result *result = r->res;
	if (opts->command == NULL || opts->command[0] == NULL)
		return vgt_error_set(err, NULL, 0, 0, "run: no command given (vgtriage run -- COMMAND)");
	char *program = runner_find_command(opts->command[0], NULL);
	if (program == NULL) {
		char name[512];
		escape_text_buf(name, sizeof(name), opts->command[0]);
		return vgt_error_set(err, NULL, 0, 0, "%s: %s", name,
				     errno == EACCES ? "permission denied" : "command not found");
	}
	struct runner_python py;
	runner_detect_python(program, 0, &py);
	result->python = py.is_python;
	char *runtime = NULL, *tmpdir = NULL;
	int rc = -1;
	if (prepare(opts, program, py.is_python, &runtime, r, err) != 0)
		goto out;
	tmpdir = runner_make_temp_dir(err);
	if (tmpdir == NULL)
		goto out;
	/* exec's failure comes back through a close-on-exec pipe */
	int fds[2];
	if (runner_cloexec_pipe(fds) < 0) {
		vgt_error_set(err, NULL, 0, 0, "pipe: %s", strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		vgt_error_set(err, NULL, 0, 0, "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		child_env(tmpdir, runtime, py.is_python, opts->per_test);
		if (opts->program_stdout_to_stderr)
			dup2(2, 1);
		execv(program, opts->command);
		int e = errno;
		ssize_t w = write(fds[1], &e, sizeof(e));
		(void)w;
		_exit(127);
	}
	close(fds[1]);
	int exec_errno = 0;
	ssize_t got;
	while ((got = read(fds[0], &exec_errno, sizeof(exec_errno))) < 0 && errno == EINTR)
		;
	close(fds[0]);
	/* as system() does: the terminal's Ctrl-C is the program's to handle */
	struct sigaction ign, old_int, old_quit;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (got == (ssize_t)sizeof(exec_errno)) {
		char name[512];
		escape_text_buf(name, sizeof(name), program);
		vgt_error_set(err, NULL, 0, 0, "%s: cannot run it: %s", name, strerror(exec_errno));
		goto out;
	}
	if (WIFEXITED(status)) {
		result->exited = 1;
		result->exit_status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		result->signaled = 1;
		result->signal = WTERMSIG(status);
		result->interrupted = result->signal == SIGINT || result->signal == SIGTERM;
	}
	size_t n;
	struct report_file *files = report_files(tmpdir, (long)pid, &n);
	int first_reported = n > 0 && files[0].pid == (long)pid;
	if (!first_reported) {
		/* LSan writes nothing when it finds no leak */
		char label[64];
		snprintf(label, sizeof(label), "pid %ld", (long)pid);
		pipeline_add_lsan_clean(pl, label, (long)pid, result->exited);
		runner_add_pid(result, (long)pid);
		if (!result->exited) {
			struct vgt_error w;
			vgt_error_set(&w, NULL, 0, 0, "pid %ld died of signal %d before LeakSanitizer's "
				      "check: its leaks are unknown", (long)pid, result->signal);
			runner_note_warning(r, &w);
		}
	}
	size_t skipped = 0;
	char skipped_exe[64] = "";
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && preload_bystander(&files[i], py.is_python)) {
			if (skipped++ == 0)
				escape_text_buf(skipped_exe, sizeof(skipped_exe), files[i].exe);
		} else {
			read_report(r, tmpdir, &files[i]);
		}
		free(files[i].exe);
		free(files[i].name);
	}
	free(files);
	const char *user_opts = getenv("ASAN_OPTIONS");
	if (py.is_python && (user_opts == NULL || strstr(user_opts, "fast_unwind_on_malloc=0") == NULL))
		report_add_note(pipeline_report(pl), "allocation stacks were taken with the fast "
				"unwinder: they stop in CPython's own code (built without frame "
				"pointers), so an object your extension made through the C API and "
				"lost may show as the interpreter's (hidden); "
				"ASAN_OPTIONS=fast_unwind_on_malloc=0 gives whole stacks, at about "
				"valgrind's cost");
	if (skipped > 0)
		report_add_note(pipeline_report(pl), "%zu report%s of other programs the preloaded "
				"runtime checked too (e.g. %s, started by the Python program) %s left out",
				skipped, skipped == 1 ? "" : "s", skipped_exe,
				skipped == 1 ? "was" : "were");
	rc = 0;
out:
	runner_remove_temp_dir(tmpdir);
	free(runtime);
	free(program);
	return rc;
}
