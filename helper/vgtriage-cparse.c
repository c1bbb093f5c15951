/*
 * vgtriage-cparse — the C/C++ reader behind vgtriage's hints (issue 13).
 *
 *   vgtriage-cparse --lang c|c++ [-I DIR]... [-DX[=V]|-UX]... [-std=STD] [--root DIR]... PATH < SOURCE
 *
 * Parses SOURCE (the text of PATH, given on standard input so that
 * vgtriage decides what is read) with libclang and writes each function
 * defined in it as the statement tree of include/vgtriage/hint.h, one item
 * per line (src/cparse.c reads it):
 *
 *   vgtriage-cparse 1              the protocol version
 *   F FIRST LAST NAME              a function and its lines
 *   U REASON                       it did not parse cleanly: no tree follows
 *   V p|r NAME                     a local or parameter of pointer type
 *                                  (r: a PyObject pointer)
 *   N KIND LINE                    a statement opens (KIND as hint.h's, in
 *                                  lower case); later N lines are its kids
 *   T LINE KIND REF TEXT           a token of the open statement: KIND one
 *                                  of i k p n s (identifier, keyword,
 *                                  punctuation, number, string); REF what
 *                                  an identifier names (g l f m t M, - none)
 *   E                              the open statement closes
 *   D                              the function ends
 *   C LINE BASES DTOR NAME         (C++, after F) the function is a member of
 *                                  class NAME defined at LINE; BASES 1 when
 *                                  it has a base class; DTOR the line of its
 *                                  destructor's definition in this file, 0
 *                                  when it declares none, -1 when it is
 *                                  declared but defined elsewhere
 *   P NAME                         (after C) a field of the class of raw
 *                                  pointer type
 *
 * Statement tokens are the source's own, so a macro call reads as written
 * (`Py_DECREF ( x )`); a statement that a macro expands to control flow
 * (a return, goto, break, continue) is "opaque" unless it is a return.
 * It is a separate program so that vgtriage itself does not load LLVM:
 * libclang takes seconds to start under valgrind and leaves memory
 * reachable at exit (make leakcheck), and a crash in it cannot take the
 * report down.  Exit status: 0, or 2 when the source cannot be read or
 * parsed at all.
 */
/* _GNU_SOURCE for dlsym(RTLD_NEXT): the sandbox below wraps open(). */
#define _GNU_SOURCE
#include <clang-c/Index.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the sandbox ----
 *
 * A source names its #includes, and clang opens what they name: a FIFO
 * (open blocks until the helper's timeout), /dev/zero (read until memory
 * runs out), any file of the machine.  While libclang parses, every open()
 * it makes for reading goes through here: the real path must lie under a
 * --root (vgtriage passes the source's directory and its own current
 * directory) or a system header directory, not under /proc, /sys or /dev;
 * the file is opened O_NONBLOCK and must be a regular file (or a
 * directory) of at most MAX_HEADER bytes.  Anything else fails with
 * EACCES, which clang reports as a missing header (and keeps going).
 * libclang (LLVM's Support library) opens files with open(); an open()
 * defined in the executable is the one its calls bind to. */
#define MAX_ROOTS 160
#define MAX_HEADER ((off_t)16 << 20)

static int sandbox_on;
static char *roots[MAX_ROOTS];
static int n_roots;
static const char *const system_dirs[] = {
	"/usr/include", "/usr/local/include", "/usr/lib/gcc", "/usr/lib/clang", NULL,
};

static int under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int allowed(const char *path)
{
	char *real = realpath(path, NULL);
	if (real == NULL)
		return errno == ENOENT || errno == ENOTDIR; /* fails by itself, as it should */
	int ok = 0;
	if (under(real, "/proc") || under(real, "/sys") || under(real, "/dev"))
		ok = 0;
	else if (strncmp(real, "/usr/lib/llvm-", 14) == 0)
		ok = 1; /* clang's own headers */
	else {
		for (int i = 0; system_dirs[i] != NULL && !ok; i++)
			ok = under(real, system_dirs[i]);
		for (int i = 0; i < n_roots && !ok; i++)
			ok = under(real, roots[i]);
	}
	free(real);
	return ok;
}

static int guarded_open(const char *path, int flags, mode_t mode)
{
	static int (*real_open)(const char *, int, ...);
	if (real_open == NULL)
		*(void **)&real_open = dlsym(RTLD_NEXT, "open");
	if (real_open == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (!sandbox_on || (flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT) != 0)
		return real_open(path, flags, mode);
	if (path == NULL || !allowed(path)) {
		errno = EACCES;
		return -1;
	}
	int fd = real_open(path, flags | O_NONBLOCK | O_NOCTTY, mode);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) ||
	    (S_ISREG(st.st_mode) && st.st_size > MAX_HEADER)) {
		close(fd);
		errno = EACCES;
		return -1;
	}
	if ((flags & O_NONBLOCK) == 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if ((flags & O_CREAT) != 0) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return guarded_open(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if ((flags & O_CREAT) != 0) {
		va_list ap;
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return guarded_open(path, flags, mode);
}

static void add_root(const char *dir)
{
	char *real = realpath(dir, NULL);
	if (real != NULL && n_roots < MAX_ROOTS)
		roots[n_roots++] = real;
	else
		free(real);
}

#define MAX_ARGS 320

struct tok {
	CXToken tok;
	unsigned offset, line;
	char *text;
	char kind, ref;
};

struct fun {
	CXTranslationUnit tu;
	CXFile file;
	struct tok *toks;
	unsigned n_toks;
	CXToken *raw;
};

static void *xmalloc(size_t n)
{
	void *p = malloc(n);
	if (p == NULL) {
		fputs("vgtriage-cparse: out of memory\n", stderr);
		exit(2);
	}
	return p;
}

static char *read_all(FILE *fp, size_t *len)
{
	size_t cap = 1 << 16, n = 0, got;
	char *buf = xmalloc(cap);
	while ((got = fread(buf + n, 1, cap - n - 1, fp)) > 0) {
		n += got;
		if (n + 1 == cap) {
			cap *= 2;
			char *grown = realloc(buf, cap);
			if (grown == NULL) {
				free(buf);
				return NULL;
			}
			buf = grown;
		}
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void put_text(const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			fputs("\\n", stdout);
		else if (*s == '\\')
			fputs("\\\\", stdout);
		else if (*s != '\r')
			putchar(*s);
	}
}

static unsigned offset_of(CXSourceLocation loc, CXFile *file, unsigned *line)
{
	unsigned off = 0, l = 0;
	clang_getExpansionLocation(loc, file, &l, NULL, &off);
	if (line != NULL)
		*line = l;
	return off;
}

static int is_tok(const struct fun *f, unsigned i, const char *s)
{
	return i < f->n_toks && strcmp(f->toks[i].text, s) == 0;
}

/* The first token at or after offset. */
static unsigned tok_at(const struct fun *f, unsigned offset)
{
	unsigned lo = 0, hi = f->n_toks;
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (f->toks[mid].offset < offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The token closing the bracket at i (or n_toks). */
static unsigned close_of(const struct fun *f, unsigned i)
{
	int depth = 0;
	for (unsigned k = i; k < f->n_toks; k++) {
		const char *t = f->toks[k].text;
		if (strcmp(t, "(") == 0 || strcmp(t, "[") == 0 || strcmp(t, "{") == 0)
			depth++;
		else if ((strcmp(t, ")") == 0 || strcmp(t, "]") == 0 || strcmp(t, "}") == 0) &&
			 --depth == 0)
			return k;
	}
	return f->n_toks;
}

/* The first `;` at bracket depth 0 in [i, bound), or bound. */
static unsigned statement_end(const struct fun *f, unsigned i, unsigned bound)
{
	int depth = 0;
	for (unsigned k = i; k < bound && k < f->n_toks; k++) {
		const char *t = f->toks[k].text;
		if (strcmp(t, "(") == 0 || strcmp(t, "[") == 0 || strcmp(t, "{") == 0)
			depth++;
		else if (strcmp(t, ")") == 0 || strcmp(t, "]") == 0 || strcmp(t, "}") == 0)
			depth--;
		else if (depth == 0 && strcmp(t, ";") == 0)
			return k;
	}
	return bound < f->n_toks ? bound : f->n_toks;
}

static void emit_tokens(const struct fun *f, unsigned from, unsigned to)
{
	for (unsigned k = from; k < to && k < f->n_toks; k++) {
		const struct tok *t = &f->toks[k];
		printf("T %u %c %c ", t->line, t->kind, t->ref != 0 ? t->ref : '-');
		put_text(t->text);
		putchar('\n');
	}
}

struct kids {
	CXCursor v[16];
	unsigned n;
};

static enum CXChildVisitResult collect(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct kids *k = data;
	if (k->n < 16)
		k->v[k->n++] = c;
	return CXChildVisit_Continue;
}

static struct kids children(CXCursor c)
{
	struct kids k;
	k.n = 0;
	clang_visitChildren(c, collect, &k);
	return k;
}

static int jumps_found;

static enum CXChildVisitResult find_jumps(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	(void)data;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_ReturnStmt || k == CXCursor_GotoStmt || k == CXCursor_BreakStmt ||
	    k == CXCursor_ContinueStmt || k == CXCursor_IndirectGotoStmt) {
		jumps_found = 1;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

static int has_jumps(CXCursor c)
{
	jumps_found = 0;
	clang_visitChildren(c, find_jumps, NULL);
	return jumps_found;
}

static unsigned start_of(const struct fun *f, CXCursor c)
{
	return tok_at(f, offset_of(clang_getRangeStart(clang_getCursorExtent(c)), NULL, NULL));
}

static void emit_stmt(const struct fun *f, CXCursor c, unsigned bound);

static void open_node(const char *kind, unsigned line)
{
	printf("N %s %u\n", kind, line);
}

static void simple(const struct fun *f, unsigned i, unsigned bound, const char *kind)
{
	unsigned e = statement_end(f, i, bound);
	open_node(kind, i < f->n_toks ? f->toks[i].line : 0);
	emit_tokens(f, i, e);
	puts("E");
}

/* Emits the statements of a compound, flattening labels and cases. */
static void emit_children(const struct fun *f, CXCursor c, unsigned bound)
{
	struct kids k = children(c);
	for (unsigned i = 0; i < k.n; i++) {
		unsigned next = i + 1 < k.n ? start_of(f, k.v[i + 1]) : bound;
		emit_stmt(f, k.v[i], next);
	}
}

static void emit_sub(const struct fun *f, CXCursor c, unsigned bound)
{
	if (clang_getCursorKind(c) == CXCursor_CompoundStmt) {
		emit_stmt(f, c, bound);
		return;
	}
	open_node("block", f->toks[start_of(f, c) < f->n_toks ? start_of(f, c) : 0].line);
	emit_stmt(f, c, bound);
	puts("E");
}

static void emit_stmt(const struct fun *f, CXCursor c, unsigned bound)
{
	enum CXCursorKind kind = clang_getCursorKind(c);
	unsigned i = start_of(f, c);
	if (i >= f->n_toks)
		return;
	unsigned line = f->toks[i].line;
	struct kids k;
	switch (kind) {
	case CXCursor_CompoundStmt: {
		unsigned close = close_of(f, i);
		open_node("block", line);
		emit_children(f, c, close);
		puts("E");
		return;
	}
	case CXCursor_NullStmt:
		return;
	case CXCursor_LabelStmt: {
		open_node("label", line);
		emit_tokens(f, i, i + 1);
		puts("E");
		k = children(c);
		if (k.n > 0)
			emit_stmt(f, k.v[k.n - 1], bound);
		return;
	}
	case CXCursor_CaseStmt:
	case CXCursor_DefaultStmt: {
		open_node("case", line);
		if (kind == CXCursor_DefaultStmt) {
			emit_tokens(f, i, i + 1);
		} else {
			unsigned e = i + 1;
			while (e < bound && !is_tok(f, e, ":"))
				e++;
			emit_tokens(f, i + 1, e);
		}
		puts("E");
		k = children(c);
		if (k.n > 0)
			emit_stmt(f, k.v[k.n - 1], bound);
		return;
	}
	default:
		break;
	}
	static const struct {
		enum CXCursorKind kind;
		const char *keyword;
	} keyed[] = {
		{CXCursor_IfStmt, "if"},       {CXCursor_ForStmt, "for"},
		{CXCursor_WhileStmt, "while"}, {CXCursor_DoStmt, "do"},
		{CXCursor_SwitchStmt, "switch"}, {CXCursor_ReturnStmt, "return"},
		{CXCursor_BreakStmt, "break"}, {CXCursor_ContinueStmt, "continue"},
		{CXCursor_GotoStmt, "goto"},   {CXCursor_CXXForRangeStmt, "for"},
	};
	const char *keyword = NULL;
	for (size_t j = 0; j < sizeof(keyed) / sizeof(keyed[0]); j++)
		if (keyed[j].kind == kind)
			keyword = keyed[j].keyword;
	if (keyword != NULL && !is_tok(f, i, keyword)) {
		/* a macro that expands to this statement */
		if (kind == CXCursor_ReturnStmt)
			simple(f, i, bound, "return");
		else if (has_jumps(c) || kind == CXCursor_BreakStmt || kind == CXCursor_ContinueStmt ||
			 kind == CXCursor_GotoStmt)
			simple(f, i, bound, "opaque");
		else
			simple(f, i, bound, "simple");
		return;
	}
	k = children(c);
	switch (kind) {
	case CXCursor_IfStmt: {
		unsigned open = i + 1, close = close_of(f, open);
		if (!is_tok(f, open, "(") || k.n < 2 || k.n > 3) {
			simple(f, i, bound, "opaque");
			return;
		}
		open_node("if", line);
		emit_tokens(f, open + 1, close);
		unsigned else_start = k.n == 3 ? start_of(f, k.v[2]) : bound;
		emit_sub(f, k.v[1], else_start);
		if (k.n == 3)
			emit_sub(f, k.v[2], bound);
		puts("E");
		return;
	}
	case CXCursor_ForStmt:
	case CXCursor_WhileStmt:
	case CXCursor_SwitchStmt:
	case CXCursor_CXXForRangeStmt: {
		unsigned open = i + 1, close = close_of(f, open);
		if (!is_tok(f, open, "(") || k.n == 0) {
			simple(f, i, bound, "opaque");
			return;
		}
		open_node(kind == CXCursor_SwitchStmt ? "switch" : "loop", line);
		emit_tokens(f, open + 1, close);
		CXCursor body = k.v[k.n - 1];
		if (kind == CXCursor_SwitchStmt)
			emit_stmt(f, body, bound);
		else
			emit_sub(f, body, bound);
		puts("E");
		return;
	}
	case CXCursor_DoStmt: {
		if (k.n < 2) {
			simple(f, i, bound, "opaque");
			return;
		}
		unsigned body_end = close_of(f, start_of(f, k.v[0]));
		unsigned w = body_end + 1;
		int once = is_tok(f, w, "while") && is_tok(f, w + 1, "(") && is_tok(f, w + 2, "0") &&
			   is_tok(f, w + 3, ")");
		if (once) {
			emit_sub(f, k.v[0], bound);
			return;
		}
		open_node("loop", line);
		if (is_tok(f, w, "while") && is_tok(f, w + 1, "("))
			emit_tokens(f, w + 2, close_of(f, w + 1));
		emit_sub(f, k.v[0], bound);
		puts("E");
		return;
	}
	case CXCursor_ReturnStmt: {
		unsigned e = statement_end(f, i, bound);
		open_node("return", line);
		emit_tokens(f, i + 1, e);
		puts("E");
		return;
	}
	case CXCursor_BreakStmt:
		simple(f, i + 1, i + 1, "break");
		return;
	case CXCursor_ContinueStmt:
		simple(f, i + 1, i + 1, "continue");
		return;
	case CXCursor_GotoStmt:
		open_node("goto", line);
		emit_tokens(f, i + 1, i + 2);
		puts("E");
		return;
	case CXCursor_GCCAsmStmt:
	case CXCursor_MSAsmStmt:
	case CXCursor_IndirectGotoStmt:
	case CXCursor_CXXTryStmt:
	case CXCursor_SEHTryStmt:
		simple(f, i, bound, "opaque");
		return;
	default:
		simple(f, i, bound, has_jumps(c) ? "opaque" : "simple");
		return;
	}
}

static char ref_of(CXCursor c)
{
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_MacroExpansion)
		return 'M';
	if (k == CXCursor_TypeRef)
		return 't';
	if (k == CXCursor_MemberRefExpr || k == CXCursor_MemberRef || k == CXCursor_FieldDecl)
		return 'm';
	CXCursor d = k == CXCursor_DeclRefExpr ? clang_getCursorReferenced(c) : c;
	switch (clang_getCursorKind(d)) {
	case CXCursor_ParmDecl:
		return 'l';
	case CXCursor_VarDecl: {
		if (clang_Cursor_getStorageClass(d) == CX_SC_Static ||
		    clang_Cursor_getStorageClass(d) == CX_SC_Extern)
			return 'g';
		enum CXCursorKind p = clang_getCursorKind(clang_getCursorSemanticParent(d));
		return p == CXCursor_TranslationUnit || p == CXCursor_Namespace ? 'g' : 'l';
	}
	case CXCursor_FunctionDecl:
	case CXCursor_CXXMethod:
		return 'f';
	case CXCursor_FieldDecl:
		return 'm';
	default:
		return 0;
	}
}

static enum CXChildVisitResult find_vars(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	(void)data;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_VarDecl || k == CXCursor_ParmDecl) {
		CXType t = clang_getCanonicalType(clang_getCursorType(c));
		if (t.kind == CXType_Pointer) {
			CXString ts = clang_getTypeSpelling(clang_getCursorType(c));
			CXString name = clang_getCursorSpelling(c);
			const char *n = clang_getCString(name);
			if (n != NULL && *n != '\0')
				printf("V %c %s\n", strstr(clang_getCString(ts), "PyObject") != NULL ? 'r' : 'p', n);
			clang_disposeString(ts);
			clang_disposeString(name);
		}
	}
	return CXChildVisit_Recurse;
}

/* Errors inside [first, last] of the main file. */
static int errors_in(CXTranslationUnit tu, unsigned first, unsigned last, char *why, size_t size)
{
	unsigned n = clang_getNumDiagnostics(tu);
	for (unsigned i = 0; i < n; i++) {
		CXDiagnostic d = clang_getDiagnostic(tu, i);
		int bad = 0;
		if (clang_getDiagnosticSeverity(d) >= CXDiagnostic_Error) {
			unsigned line;
			CXFile file;
			clang_getExpansionLocation(clang_getDiagnosticLocation(d), &file, &line, NULL, NULL);
			if (clang_Location_isFromMainFile(clang_getDiagnosticLocation(d)) && line >= first &&
			    line <= last) {
				CXString s = clang_getDiagnosticSpelling(d);
				snprintf(why, size, "line %u: %s", line, clang_getCString(s));
				clang_disposeString(s);
				bad = 1;
			}
		}
		clang_disposeDiagnostic(d);
		if (bad)
			return 1;
	}
	return 0;
}

/* ---- the class of a member function (C and P lines) ---- */

struct class_info {
	int bases, dtor;
};

static unsigned line_of(CXCursor c)
{
	unsigned line = 0;
	clang_getFileLocation(clang_getCursorLocation(c), NULL, &line, NULL, NULL);
	return line;
}

static enum CXChildVisitResult visit_class(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	struct class_info *ci = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (k == CXCursor_CXXBaseSpecifier) {
		ci->bases = 1;
	} else if (k == CXCursor_Destructor) {
		CXCursor def = clang_getCursorDefinition(c);
		if (!clang_Cursor_isNull(def) &&
		    clang_Location_isFromMainFile(clang_getCursorLocation(def)))
			ci->dtor = (int)line_of(def);
		else
			ci->dtor = -1;
	}
	return CXChildVisit_Continue;
}

static enum CXChildVisitResult visit_fields(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent, (void)data;
	if (clang_getCursorKind(c) == CXCursor_FieldDecl &&
	    clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Pointer) {
		CXString n = clang_getCursorSpelling(c);
		printf("P %s\n", clang_getCString(n));
		clang_disposeString(n);
	}
	return CXChildVisit_Continue;
}

static void emit_class(CXCursor fn)
{
	CXCursor cls = clang_getCursorSemanticParent(fn);
	enum CXCursorKind k = clang_getCursorKind(cls);
	if (k != CXCursor_ClassDecl && k != CXCursor_StructDecl && k != CXCursor_ClassTemplate &&
	    k != CXCursor_ClassTemplatePartialSpecialization)
		return;
	CXCursor def = clang_getCursorDefinition(cls);
	if (clang_Cursor_isNull(def))
		return; /* only declared here: its members are not known */
	struct class_info ci = {0, 0};
	clang_visitChildren(def, visit_class, &ci);
	CXString name = clang_getCursorSpelling(def);
	printf("C %u %d %d %s\n", line_of(def), ci.bases, ci.dtor, clang_getCString(name));
	clang_disposeString(name);
	clang_visitChildren(def, visit_fields, NULL);
}

static void emit_function(CXTranslationUnit tu, CXCursor fn)
{
	CXSourceRange ext = clang_getCursorExtent(fn);
	CXFile file;
	unsigned first, last;
	offset_of(clang_getRangeStart(ext), &file, &first);
	offset_of(clang_getRangeEnd(ext), NULL, &last);
	CXString name = clang_getCursorSpelling(fn);
	printf("F %u %u %s\n", first, last, clang_getCString(name));
	clang_disposeString(name);
	emit_class(fn);
	char why[512];
	if (errors_in(tu, first, last, why, sizeof(why))) {
		printf("U ");
		put_text(why);
		puts("\nD");
		return;
	}
	struct fun f;
	memset(&f, 0, sizeof(f));
	f.tu = tu;
	f.file = file;
	clang_tokenize(tu, ext, &f.raw, &f.n_toks);
	f.toks = xmalloc((f.n_toks + 1) * sizeof(*f.toks));
	CXCursor *cursors = xmalloc((f.n_toks + 1) * sizeof(*cursors));
	clang_annotateTokens(tu, f.raw, f.n_toks, cursors);
	for (unsigned i = 0; i < f.n_toks; i++) {
		struct tok *t = &f.toks[i];
		t->tok = f.raw[i];
		t->ref = 0;
		CXString s = clang_getTokenSpelling(tu, f.raw[i]);
		t->text = strdup(clang_getCString(s));
		clang_disposeString(s);
		if (t->text == NULL)
			t->text = strdup("");
		clang_getFileLocation(clang_getTokenLocation(tu, f.raw[i]), NULL, &t->line, NULL,
				      &t->offset);
		switch (clang_getTokenKind(f.raw[i])) {
		case CXToken_Identifier:
			t->kind = 'i';
			t->ref = ref_of(cursors[i]);
			break;
		case CXToken_Keyword:
			t->kind = 'k';
			break;
		case CXToken_Literal:
			t->kind = t->text[0] == '"' || t->text[0] == '\'' ? 's' : 'n';
			break;
		default:
			t->kind = 'p';
			break;
		}
	}
	free(cursors);
	clang_visitChildren(fn, find_vars, NULL);
	struct kids k = children(fn);
	for (unsigned i = 0; i < k.n; i++)
		if (clang_getCursorKind(k.v[i]) == CXCursor_CompoundStmt)
			emit_stmt(&f, k.v[i], f.n_toks);
	puts("D");
	for (unsigned i = 0; i < f.n_toks; i++)
		free(f.toks[i].text);
	free(f.toks);
	clang_disposeTokens(tu, f.raw, f.n_toks);
}

static const char *main_path; /* the source parsed */

/* Written in the main file, or expanded there from a macro (a project's
 * FMT_BEGIN_NAMESPACE-style macro opens its namespaces). */
static int in_main_file(CXTranslationUnit tu, CXCursor c)
{
	CXSourceLocation loc = clang_getCursorLocation(c);
	if (clang_Location_isFromMainFile(loc))
		return 1;
	CXFile file = NULL;
	clang_getExpansionLocation(loc, &file, NULL, NULL, NULL);
	CXFile main_file = clang_getFile(tu, main_path);
	return file != NULL && main_file != NULL && clang_File_isEqual(file, main_file);
}

static enum CXChildVisitResult visit_top(CXCursor c, CXCursor parent, CXClientData data)
{
	(void)parent;
	CXTranslationUnit tu = data;
	enum CXCursorKind k = clang_getCursorKind(c);
	if (!in_main_file(tu, c))
		return CXChildVisit_Continue;
	if (k == CXCursor_Namespace || k == CXCursor_ClassDecl || k == CXCursor_StructDecl ||
	    k == CXCursor_LinkageSpec || k == CXCursor_ClassTemplate ||
	    k == CXCursor_ClassTemplatePartialSpecialization)
		return CXChildVisit_Recurse;
	if ((k == CXCursor_FunctionDecl || k == CXCursor_CXXMethod || k == CXCursor_Constructor ||
	     k == CXCursor_Destructor || k == CXCursor_FunctionTemplate) &&
	    clang_isCursorDefinition(c))
		emit_function(tu, c);
	return CXChildVisit_Continue;
}

static int usage(void)
{
	fputs("usage: vgtriage-cparse --lang c|c++ [-I DIR]... [-DX[=V]|-UX]... [-std=STD] [--root DIR]... PATH < SOURCE\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *lang = NULL, *path = NULL, *std = NULL;
	const char *args[MAX_ARGS];
	int n_args = 0;
	char *owned[MAX_ARGS];
	int n_owned = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			lang = argv[++i];
		else if (strcmp(argv[i], "-I") == 0 && i + 1 < argc && n_args + 2 < MAX_ARGS - 8) {
			args[n_args++] = "-I";
			args[n_args++] = argv[++i];
		} else if ((strncmp(argv[i], "-D", 2) == 0 || strncmp(argv[i], "-U", 2) == 0) &&
			   argv[i][2] != '\0' && n_args + 1 < MAX_ARGS - 8) {
			args[n_args++] = argv[i]; /* a compile command's macros */
		} else if (strncmp(argv[i], "-std=", 5) == 0) {
			std = argv[i];
		} else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc) {
			add_root(argv[++i]);
		} else if (argv[i][0] != '-' && path == NULL)
			path = argv[i];
		else
			return usage();
	}
	if (lang == NULL || path == NULL)
		return usage();
	int cxx = strcmp(lang, "c++") == 0;
	args[n_args++] = "-x";
	args[n_args++] = cxx ? "c++" : "c";
	args[n_args++] = std != NULL ? std : cxx ? "-std=gnu++17" : "-std=gnu11";
	args[n_args++] = "-w";
	args[n_args++] = "-ferror-limit=0";
	/* a Python extension includes Python.h: the interpreter's headers */
	glob_t g;
	if (glob("/usr/include/python3*", 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc && n_args + 2 < MAX_ARGS && n_owned < MAX_ARGS; i++) {
			char *a = malloc(strlen(g.gl_pathv[i]) + 3);
			if (a == NULL)
				break;
			sprintf(a, "-I%s", g.gl_pathv[i]);
			owned[n_owned++] = a;
			args[n_args++] = a;
			break; /* the first (the system's) is enough */
		}
		globfree(&g);
	}
	size_t len;
	char *text = read_all(stdin, &len);
	if (text == NULL) {
		fputs("vgtriage-cparse: cannot read the source\n", stderr);
		return 2;
	}
	struct CXUnsavedFile unsaved = {path, text, (unsigned long)len};
	CXIndex idx = clang_createIndex(0, 0);
	CXTranslationUnit tu;
	/* the source's own directory is a root (its "" includes) */
	char *dir = strdup(path);
	if (dir != NULL) {
		char *slash = strrchr(dir, '/');
		if (slash != NULL) {
			*slash = '\0';
			add_root(dir[0] != '\0' ? dir : "/");
		} else {
			add_root(".");
		}
		free(dir);
	}
	sandbox_on = 1;
	main_path = path;
	enum CXErrorCode rc = clang_parseTranslationUnit2(idx, path, args, n_args, &unsaved, 1,
							  CXTranslationUnit_KeepGoing, &tu);
	int status = 0;
	if (rc != CXError_Success) {
		fprintf(stderr, "vgtriage-cparse: libclang could not parse %s (error %d)\n", path, (int)rc);
		status = 2;
	} else {
		puts("vgtriage-cparse 1");
		clang_visitChildren(clang_getTranslationUnitCursor(tu), visit_top, tu);
		clang_disposeTranslationUnit(tu);
	}
	clang_disposeIndex(idx);
	free(text);
	for (int i = 0; i < n_owned; i++)
		free(owned[i]);
	for (int i = 0; i < n_roots; i++)
		free(roots[i]);
	if (fflush(stdout) != 0 || ferror(stdout))
		status = 2;
	return status;
}
