/*
 * cparse.c — runs vgtriage-cparse and reads its functions (cparse.h).
 * The protocol is described at the top of helper/vgtriage-cparse.c.
 */
#include "explain/cparse.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef VGT_LIBEXECDIR
#define VGT_LIBEXECDIR "/usr/local/libexec/vgtriage"
#endif

#define HELPER_NAME "vgtriage-cparse"
#define TIMEOUT_MS 30000
#define MAX_OUTPUT (64u << 20)

/* A helper that hung or was killed (its timeout, its memory limit) is not
 * run again: one note, not 30 s per file. */
static _Atomic int gave_up;

void cparse_retry(void)
{
	gave_up = 0;
}

struct cparse_file {
	struct hint_func **funcs;
	size_t n, cap;
	unsigned char *bad; /* funcs[i] did not parse cleanly */
	size_t bad_cap;
};

static int executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

const char *cparse_helper_path(void)
{
	static char found[PATH_MAX];
	static int looked;
	if (looked)
		return found[0] != '\0' ? found : NULL;
	looked = 1;
	const char *env = getenv("VGTRIAGE_CPARSE");
	if (env != NULL && *env != '\0') {
		if (executable(env))
			snprintf(found, sizeof(found), "%s", env);
		return found[0] != '\0' ? found : NULL;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			char candidate[PATH_MAX + sizeof(HELPER_NAME) + 1];
			snprintf(candidate, sizeof(candidate), "%s/%s", self, HELPER_NAME);
			if (executable(candidate) && strlen(candidate) < sizeof(found)) {
				memcpy(found, candidate, strlen(candidate) + 1);
				return found;
			}
		}
	}
	if (executable(VGT_LIBEXECDIR "/" HELPER_NAME))
		snprintf(found, sizeof(found), "%s", VGT_LIBEXECDIR "/" HELPER_NAME);
	return found[0] != '\0' ? found : NULL;
}

void cparse_free(struct cparse_file *file)
{
	if (file == NULL)
		return;
	for (size_t i = 0; i < file->n; i++)
		hint_func_free(file->funcs[i]);
	free(file->funcs);
	free(file->bad);
	free(file);
}

const char *cparse_problem(const struct cparse_file *file, unsigned line)
{
	if (file == NULL)
		return "the file was not parsed";
	for (size_t i = 0; i < file->n; i++) {
		const struct hint_func *fn = file->funcs[i];
		if (fn->first_line <= line && line <= fn->last_line)
			return !file->bad[i] ? NULL
			       : fn->parse_problem != NULL ? fn->parse_problem
							   : "it did not parse cleanly";
	}
	return "no function defined in the file holds the line (a header not parsed on its own?)";
}

const struct hint_func *cparse_function(const struct cparse_file *file, unsigned line)
{
	if (file == NULL)
		return NULL;
	for (size_t i = 0; i < file->n; i++) {
		const struct hint_func *fn = file->funcs[i];
		if (fn->first_line <= line && line <= fn->last_line)
			return file->bad[i] || fn->body == NULL ? NULL : fn;
	}
	return NULL;
}

const struct hint_func *cparse_function_named(const struct cparse_file *file, const char *name,
					      int *bad)
{
	*bad = 0;
	if (file == NULL)
		return NULL;
	for (size_t i = 0; i < file->n; i++) {
		const struct hint_func *fn = file->funcs[i];
		if (fn->name == NULL || strcmp(fn->name, name) != 0)
			continue;
		if (file->bad[i] || fn->body == NULL) {
			*bad = 1;
			return NULL;
		}
		return fn;
	}
	return NULL;
}

static enum hint_node_kind node_kind(const char *s, int *ok)
{
	static const struct {
		const char *name;
		enum hint_node_kind kind;
	} kinds[] = {
		{"block", HINT_BLOCK},   {"simple", HINT_SIMPLE},     {"if", HINT_IF},
		{"loop", HINT_LOOP},     {"switch", HINT_SWITCH},     {"case", HINT_CASE},
		{"return", HINT_RETURN}, {"break", HINT_BREAK},       {"continue", HINT_CONTINUE},
		{"goto", HINT_GOTO},     {"label", HINT_LABEL},       {"opaque", HINT_OPAQUE},
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(s, kinds[i].name) == 0) {
			*ok = 1;
			return kinds[i].kind;
		}
	*ok = 0;
	return HINT_OPAQUE;
}

static enum hint_tok_kind tok_kind(char c)
{
	switch (c) {
	case 'i':
		return HINT_TOK_IDENT;
	case 'k':
		return HINT_TOK_KEYWORD;
	case 'n':
		return HINT_TOK_NUMBER;
	case 's':
		return HINT_TOK_STRING;
	default:
		return HINT_TOK_PUNCT;
	}
}

/* Undoes the helper's escapes (\n, \\) in place; returns the length. */
static size_t unescape(char *s)
{
	char *w = s;
	for (const char *r = s; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] == 'n') {
			*w++ = '\n';
			r++;
		} else if (r[0] == '\\' && r[1] == '\\') {
			*w++ = '\\';
			r++;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

#define MAX_DEPTH 256

struct cparse_file *cparse_parse(const char *out, size_t len, enum hint_lang lang)
{
	static const char header[] = "vgtriage-cparse 1\n";
	if (len < sizeof(header) - 1 || memcmp(out, header, sizeof(header) - 1) != 0)
		return NULL;
	struct cparse_file *file = xcalloc(1, sizeof(*file));
	struct hint_func *fn = NULL;
	struct hint_node *stack[MAX_DEPTH];
	size_t depth = 0;
	int broken = 0;
	char *copy = xstrndup(out, len);
	char *save = NULL;
	for (char *line = strtok_r(copy + sizeof(header) - 1, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char tag = line[0];
		char *rest = line[1] == ' ' ? line + 2 : line + 1;
		if (tag == 'F') {
			unsigned first, last;
			int used = 0;
			if (sscanf(rest, "%u %u %n", &first, &last, &used) < 2 || used == 0)
				continue;
			fn = hint_func_new(lang);
			fn->first_line = first;
			fn->last_line = last;
			fn->name = xstrdup(rest + used);
			file->funcs = xgrow(file->funcs, &file->cap, file->n + 1, sizeof(*file->funcs));
			file->bad = xgrow(file->bad, &file->bad_cap, file->n + 1, 1);
			file->bad[file->n] = 0;
			file->funcs[file->n++] = fn;
			depth = 0;
			broken = 0;
			continue;
		}
		if (fn == NULL)
			continue;
		switch (tag) {
		case 'U':
			file->bad[file->n - 1] = 1;
			if (fn->parse_problem == NULL) {
				char *why = xstrdup(rest);
				unescape(why);
				fn->parse_problem = why;
			}
			break;
		case 'C': {
			unsigned cl;
			int bases, dtor, used = 0;
			if (sscanf(rest, "%u %d %d %n", &cl, &bases, &dtor, &used) < 3 || used == 0 ||
			    fn->class_name != NULL)
				break;
			fn->cxx_member = 1;
			fn->class_line = cl;
			fn->class_inherits = bases != 0;
			fn->cxx_dtor = dtor < 0 ? -1 : dtor;
			fn->class_name = xstrdup(rest + used);
			break;
		}
		case 'P':
			if (fn->cxx_member && rest[0] != '\0')
				hint_func_name(&fn->ptr_members, &fn->n_ptr_members, &fn->ptr_members_cap,
					       rest);
			break;
		case 'V':
			if (rest[0] != '\0' && rest[1] == ' ')
				hint_func_var(fn, rest + 2, rest[0] == 'r' ? HINT_VAR_PYREF : HINT_VAR_CPTR);
			break;
		case 'N': {
			char kind[16];
			unsigned l = 0;
			int ok;
			if (sscanf(rest, "%15s %u", kind, &l) != 2 || depth >= MAX_DEPTH) {
				broken = 1;
				break;
			}
			struct hint_node *node = hint_node_new(fn, node_kind(kind, &ok), l);
			if (!ok)
				broken = 1;
			if (depth > 0)
				hint_node_add(stack[depth - 1], node);
			else if (fn->body == NULL)
				fn->body = node;
			else
				broken = 1;
			stack[depth++] = node;
			break;
		}
		case 'T': {
			unsigned l;
			char kind, ref;
			int used = 0;
			if (depth == 0 || sscanf(rest, "%u %c %c %n", &l, &kind, &ref, &used) < 3 ||
			    used == 0) {
				broken = 1;
				break;
			}
			char *text = rest + used;
			size_t n = unescape(text);
			hint_node_token(stack[depth - 1], text, n, l, tok_kind(kind),
					ref == '-' ? 0 : ref);
			break;
		}
		case 'E':
			if (depth == 0)
				broken = 1;
			else
				depth--;
			break;
		case 'D':
			if (depth != 0 || broken || fn->body == NULL || fn->body->kind != HINT_BLOCK)
				file->bad[file->n - 1] = 1;
			fn = NULL;
			break;
		default:
			break;
		}
	}
	if (fn != NULL)
		file->bad[file->n - 1] = 1; /* cut short */
	free(copy);
	/* a member function's destructor, when it is read here too */
	for (size_t i = 0; i < file->n; i++)
		if (file->funcs[i]->cxx_dtor > 0)
			file->funcs[i]->cxx_dtor_fn =
				cparse_function(file, (unsigned)file->funcs[i]->cxx_dtor);
	return file;
}

/* Writes all of buf to fd, reads all of out_fd; both non-blocking with a
 * deadline.  Returns 0, or -1 (timeout, error, too much output). */
static int exchange(int in_fd, int out_fd, const char *buf, size_t len, char **out,
		    size_t *out_len)
{
	size_t written = 0, cap = 1 << 16, got = 0;
	char *o = xmalloc(cap);
	int in_open = 1;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		if (in_open && written == len) {
			close(in_fd);
			in_open = 0;
		}
		struct pollfd p[2];
		nfds_t n = 0;
		p[n].fd = out_fd;
		p[n].events = POLLIN;
		n++;
		if (in_open) {
			p[n].fd = in_fd;
			p[n].events = POLLOUT;
			n++;
		}
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= TIMEOUT_MS)
			break;
		int r = poll(p, n, (int)(TIMEOUT_MS - elapsed));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (in_open && (p[1].revents & (POLLOUT | POLLERR | POLLHUP))) {
			ssize_t w = write(in_fd, buf + written, len - written);
			if (w > 0)
				written += (size_t)w;
			else if (w < 0 && errno != EAGAIN && errno != EINTR)
				written = len; /* the helper stopped reading: close */
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			if (got + 1 >= cap) {
				if (cap >= MAX_OUTPUT)
					break;
				o = xgrow(o, &cap, cap * 2, 1);
			}
			ssize_t rd = read(out_fd, o + got, cap - got - 1);
			if (rd == 0) {
				if (in_open)
					close(in_fd);
				o[got] = '\0';
				*out = o;
				*out_len = got;
				return 0;
			}
			if (rd > 0)
				got += (size_t)rd;
			else if (errno != EAGAIN && errno != EINTR)
				break;
		}
	}
	if (in_open)
		close(in_fd);
	free(o);
	return -1;
}

struct cparse_file *cparse_run(const char *helper, const char *path, const char *text,
			       size_t len, enum hint_lang lang, char *why, size_t why_size)
{
	return cparse_run_flags(helper, path, text, len, lang, NULL, why, why_size);
}

/* The helper's command line: includes are followed under the source's
 * directory (the helper adds it), the current directory (the source
 * policy's first root) and the system's header directories; a compile
 * command's flags (ccdb.h) add its include directories, each one the
 * source policy holds a root. */
static const char **helper_argv(const char *helper, const char *path, enum hint_lang lang,
				const struct ccdb_flags *flags)
{
	size_t n_flags = flags != NULL ? flags->n : 0, n_roots = flags != NULL ? flags->n_roots : 0;
	const char **argv = xcalloc(8 + n_flags * 2 + n_roots * 2, sizeof(*argv));
	size_t k = 0;
	argv[k++] = helper;
	argv[k++] = "--lang";
	argv[k++] = lang == HINT_LANG_CXX ? "c++" : "c";
	argv[k++] = "--root";
	argv[k++] = ".";
	for (size_t i = 0; i < n_flags; i++) {
		if (strncmp(flags->argv[i], "-I", 2) == 0) {
			argv[k++] = "-I";
			argv[k++] = flags->argv[i] + 2;
		} else {
			argv[k++] = flags->argv[i];
		}
	}
	for (size_t i = 0; i < n_roots; i++) {
		argv[k++] = "--root";
		argv[k++] = flags->roots[i];
	}
	argv[k++] = path;
	argv[k] = NULL;
	return argv;
}

struct cparse_file *cparse_run_flags(const char *helper, const char *path, const char *text,
				     size_t len, enum hint_lang lang,
				     const struct ccdb_flags *flags, char *why, size_t why_size)
{
	if (gave_up) {
		snprintf(why, why_size, "%s was stopped earlier (its time or memory limit): not run "
			 "again", helper);
		return NULL;
	}
	int to_child[2], from_child[2];
	if (pipe(to_child) < 0) {
		snprintf(why, why_size, "pipe: %s", strerror(errno));
		return NULL;
	}
	if (pipe(from_child) < 0) {
		snprintf(why, why_size, "pipe: %s", strerror(errno));
		close(to_child[0]);
		close(to_child[1]);
		return NULL;
	}
	fcntl(to_child[1], F_SETFD, FD_CLOEXEC);
	fcntl(from_child[0], F_SETFD, FD_CLOEXEC);
	/* made before the fork: the child of a process with threads (-j)
	 * may call only async-signal-safe functions, malloc not among them
	 * (under ASan it failed there, past the memory limit below) */
	const char **argv = helper_argv(helper, path, lang, flags);
	pid_t pid = fork();
	if (pid < 0) {
		free(argv);
		snprintf(why, why_size, "fork: %s", strerror(errno));
		close(to_child[0]);
		close(to_child[1]);
		close(from_child[0]);
		close(from_child[1]);
		return NULL;
	}
	if (pid == 0) {
		dup2(to_child[0], STDIN_FILENO);
		dup2(from_child[1], STDOUT_FILENO);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		close(to_child[0]);
		close(from_child[1]);
		/* its memory limit: a parse that grows past it fails, and is
		 * one note (see cparse.h) */
		struct rlimit rl;
		if (getrlimit(RLIMIT_AS, &rl) == 0 &&
		    (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > CPARSE_MAX_MEMORY)) {
			rl.rlim_cur = CPARSE_MAX_MEMORY;
			setrlimit(RLIMIT_AS, &rl);
		}
		execv(helper, (char *const *)argv);
		_exit(127);
	}
	free(argv);
	close(to_child[0]);
	close(from_child[1]);
	/* a helper that exits early must not kill us with SIGPIPE */
	struct sigaction ignore, old;
	memset(&ignore, 0, sizeof(ignore));
	ignore.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ignore, &old);
	char *out = NULL;
	size_t out_len = 0;
	int rc = exchange(to_child[1], from_child[0], text, len, &out, &out_len);
	sigaction(SIGPIPE, &old, NULL);
	close(from_child[0]);
	if (rc != 0)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc != 0) {
		gave_up = 1;
		snprintf(why, why_size, "%s did not answer in time", helper);
		return NULL;
	}
	if (WIFSIGNALED(status)) {
		free(out); /* what it wrote before it was killed */
		gave_up = 1; /* killed: its memory limit, most likely */
		snprintf(why, why_size, "%s was killed (signal %d): its memory limit?", helper,
			 WTERMSIG(status));
		return NULL;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, why_size, "%s failed (status %d)", helper,
			 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
		free(out);
		return NULL;
	}
	struct cparse_file *file = cparse_parse(out, out_len, lang);
	free(out);
	if (file == NULL)
		snprintf(why, why_size, "%s wrote no functions", helper);
	return file;
}
