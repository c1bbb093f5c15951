/*
 * symbolize.h — fills each frame's derived fields: the Cython map (.pyx
 * file and line), demangled and Python names, perf maps, names of frames
 * valgrind left as ???; source context and statements of sites.
 *
 * symbols/ owns frames -> names, .pyx lines and classes.  It may call
 * base/ and model/ only.
 */
#ifndef VGTRIAGE_SYMBOLIZE_H
#define VGTRIAGE_SYMBOLIZE_H

#include <stddef.h>

#include "symbols/symopts.h"
#include "vgtriage/frames.h"
#include "vgtriage/model.h"
#include "vgtriage/report.h"
#include "vgtriage/strpool.h"

struct symbolizer;
struct symbolizer *symbolizer_new(struct strpool *pool, const struct symbolize_options *opts);
void symbolizer_free(struct symbolizer *sym); /* NULL is a no-op */
/* Fills pyx_*, pyname of one frame of the frame table (once per distinct
 * frame: frame_resolve); its strings are interned in a pool, never
 * temporary (they are looked up by address).  Frames without fn are looked up in the perf
 * maps of their process (frame->pid). */
void symbolize_frame(struct symbolizer *sym, struct vgt_frame *frame);
/* After every record: a Python name guessed from a C name (ambiguous) is
 * settled when another frame named it without doubt. */
void symbolize_settle(struct symbolizer *sym, struct frame_table *ft);
/* Names (C++, frames valgrind could not name), symbolizes and classifies
 * each frame of the stack of process pid not done before. */
void frame_resolve_stack(struct symbolizer *sym, struct frame_table *ft,
			 struct vgt_stack *stack, long pid);
/* The culprit line's text with blanks collapsed, and how many identical
 * statements come before it in its function, when the source (or, for
 * .pyx, the generated file's marker) is at hand; else NULL. */
const char *symbolize_statement(struct symbolizer *sym, const struct vgt_site *site,
				unsigned *occurrence);
/* The path of the source file a location names (the .pyx when mapped),
 * found as symbolize_context finds it; NULL when not found.  The caller
 * frees it. */
char *symbolize_source_path(struct symbolizer *sym, const struct vgt_location *loc);
/* Fills the site's detail->context from the real source file when found. */
void symbolize_context(struct symbolizer *sym, struct vgt_site *site);
/* Fills site->gen_marker and site->gen_context from the generated C of
 * a Cython-mapped site, when the .c is at hand (read through the source
 * policy): the marker comment that maps the culprit's C line, and the C
 * lines around it. */
void symbolize_generated_context(struct symbolizer *sym, const struct frame_table *ft,
				 struct vgt_site *site);
/* The policy every file named by the input is read through (srcpolicy.h):
 * the current directory, --source-root DIRs and --prefix-map targets.
 * Valid until symbolizer_free. */
struct srcpolicy;
const struct srcpolicy *symbolizer_srcpolicy(const struct symbolizer *sym);
/* The mappings of process pid (/proc/PID/maps text), recorded while it
 * ran: the load address of objects whose frames valgrind could not name. */
void symbolize_add_maps(struct symbolizer *sym, long pid, const char *maps_text);
/* Moves what the symbolizer has to say (maps not found, ambiguous names)
 * into report notes. */
void symbolize_notes(struct symbolizer *sym, struct vgt_report *report);

#endif
