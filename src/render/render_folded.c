/*
 * render_folded.c — `-f folded`: one line per shown leak site, its folded
 * stack root first and its bytes, "frame;frame;…;malloc (in …) 9600", as
 * flamegraph.pl, inferno and speedscope read it.  Frames are named as the
 * report names them (render_flame.h); a ';' inside a name is written ','
 * so that it cannot split a frame.  The lines add up to the bytes of the
 * listed leak sites; errors (no bytes) have no line.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "render/render_ci.h"
#include "render/render_flame.h"

static void put_frame(FILE *out, const char *label)
{
	for (const char *p = label; *p != '\0'; p++)
		fputc(*p == ';' ? ',' : *p, out);
}

int render_folded(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	size_t n = render_ci_listed(r, opts);
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		if (!render_flame_site(s))
			continue;
		struct render_flame_frame *fr;
		size_t k = render_flame_stack(r, s, &fr);
		for (size_t j = 0; j < k; j++) {
			if (j > 0)
				fputc(';', out);
			put_frame(out, fr[j].label);
		}
		fprintf(out, " %" PRIu64 "\n", s->bytes);
		free(fr);
	}
	return ferror(out) ? -1 : 0;
}
