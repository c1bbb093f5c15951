/*
 * render_html.c — one self-contained HTML page to attach to a CI run as
 * an artifact: summary, where the bytes go (an icicle graph of leaked
 * bytes by stack, render_html_svg.c), the ranked table with a bar per
 * site, per-test results, --watch growth, and per site its source beside
 * the generated C with the Cython marker that maps them, the hint, and
 * the stack with interpreter frames folded into collapsible blocks.
 *
 * Nothing leaves the page: no external resource, and a
 * Content-Security-Policy that allows only the page's own style and
 * script, by their SHA-256 hashes.  The script is small and optional
 * (sorting and filtering the table); the page reads the same without it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/figures.h"
#include "base/escape.h"
#include "base/sha256.h"
#include "render/render_ci.h"
#include "render/render_html.h"

#define DEFAULT_STACKS 20

static const char css[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
	"max-width:80em;padding:0 1em;color:#1f2328;background:#fff}"
	"h1{font-size:1.5em;border-bottom:1px solid #d0d7de;padding-bottom:.3em}"
	"h2{font-size:1.2em;margin-top:2em}h3{font-size:.95em;margin:.4em 0}"
	"table{border-collapse:collapse;width:100%;font-size:.9em}table.auto{width:auto}"
	"th,td{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;vertical-align:top}"
	"th{background:#f6f8fa}td.n{text-align:right;font-variant-numeric:tabular-nums;"
	"white-space:nowrap}th.sortable{cursor:pointer}th.sortable:after{content:' \\2195';"
	"color:#8c959f}"
	"code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em}"
	"pre{background:#f6f8fa;padding:.6em;overflow-x:auto;line-height:1.4;margin:.3em 0}"
	".k{display:inline-block;padding:0 .4em;border-radius:.3em;font-size:.85em;color:#fff}"
	".error{background:#cf222e}.warning{background:#9a6700}.note{background:#0969da}"
	".fail{font-weight:bold;color:#cf222e}"
	".here{background:#fff8c5;font-weight:bold}.dim{color:#656d76}.mk{color:#0a3069}"
	"details{margin:.2em 0}summary{cursor:pointer;color:#656d76}"
	"section.site{border:1px solid #d0d7de;border-radius:.4em;padding:.2em 1em;margin:1em 0}"
	"section.site h2{margin-top:.6em}"
	".hint{border-left:.25em solid #9a6700;padding:.2em .8em;background:#fff8c5}"
	"ul.inputs{padding-left:1.2em}ul.tl{margin:0;padding-left:1em}"
	".pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(28em,1fr));gap:1em}"
	".pair>div{min-width:0}"
	"svg.flame{width:100%;height:auto;display:block;font-size:11px;"
	"font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}"
	"svg.flame rect{stroke:#fff;stroke-width:.5}svg.flame text{fill:#1f2328;pointer-events:none}"
	"svg.flame a:hover rect,svg.flame a:focus rect{stroke:#1f2328;stroke-width:1}"
	".fr-all rect{fill:#e6e8eb}.fr-user rect{fill:#f28e2b}.fr-cyrt rect{fill:#edc948}"
	".fr-interp rect{fill:#c9c3bf}.fr-rt rect{fill:#a9bfd4}.fr-lib rect{fill:#9bd48c}"
	".fr-alloc rect{fill:#dde1e5}"
	".sw{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-left:.6em}"
	".sw.fr-user{background:#f28e2b}.sw.fr-cyrt{background:#edc948}"
	".sw.fr-interp{background:#c9c3bf}.sw.fr-rt{background:#a9bfd4}"
	".sw.fr-lib{background:#9bd48c}.sw.fr-alloc{background:#dde1e5}"
	".legend{font-size:.85em;color:#656d76}"
	"svg.bar{display:block;margin-top:.2em}svg.bar rect{fill:#8c959f}"
	"svg.bar .b-definite{fill:#cf222e}svg.bar .b-indirect{fill:#f4a6ad}"
	"svg.bar .b-possible{fill:#bf8700}svg.bar .b-reachable{fill:#0969da}"
	"svg.growth{width:100%;max-width:40em;height:auto;display:block;font-size:11px}"
	"svg.growth polyline{fill:none;stroke:#cf222e;stroke-width:2}"
	"svg.growth circle{fill:#cf222e}svg.growth .axis{stroke:#8c959f}"
	"svg.growth .ax{fill:#656d76}"
	".filters label{margin-right:1em;font-size:.9em}";

/* Sorting (a click on a column head) and filtering (kind, file, test) of
 * the sites table; without it the table is as written. */
static const char script[] =
	"(function(){var t=document.getElementById('sites');if(!t||!t.tBodies.length)return;"
	"var body=t.tBodies[0],rows=[].slice.call(body.rows);"
	"var f=document.createElement('p');f.className='filters';"
	"function tests(r){return [].map.call(r.querySelectorAll('.tn'),function(e){"
	"return e.textContent;});}"
	"function kind(r){return [r.getAttribute('data-kind')];}"
	"function values(get){var seen={},out=[];rows.forEach(function(r){get(r).forEach("
	"function(v){if(v&&!seen[v]){seen[v]=1;out.push(v);}});});return out.sort();}"
	"function sel(label,vals){var s=document.createElement('select'),o=document."
	"createElement('option');o.value='';o.textContent='every '+label;s.appendChild(o);"
	"vals.forEach(function(v){var e=document.createElement('option');e.value=v;"
	"e.textContent=v;s.appendChild(e);});var l=document.createElement('label');"
	"l.textContent=label+' ';l.appendChild(s);f.appendChild(l);return s;}"
	"var ks=sel('kind',values(kind)),tv=values(tests),ts=tv.length?sel('test',tv):null;"
	"var fl=document.createElement('label'),fi=document.createElement('input');"
	"fl.textContent='file ';fi.type='search';fl.appendChild(fi);f.appendChild(fl);"
	"t.parentNode.insertBefore(f,t);"
	"function apply(){var k=ks.value,tt=ts?ts.value:'',q=fi.value.toLowerCase();"
	"rows.forEach(function(r){r.hidden=!((!k||r.getAttribute('data-kind')===k)&&"
	"(!tt||tests(r).indexOf(tt)>=0)&&(!q||(r.getAttribute('data-file')||'')"
	".toLowerCase().indexOf(q)>=0));});}"
	"ks.addEventListener('change',apply);if(ts)ts.addEventListener('change',apply);"
	"fi.addEventListener('input',apply);"
	"[].forEach.call(t.tHead.rows[0].cells,function(th,i){var how=th.getAttribute("
	"'data-sort');if(!how)return;th.tabIndex=0;th.className+=' sortable';"
	"var dir=how==='n'?-1:1;function sort(){rows.sort(function(a,b){var x=a.cells[i],"
	"y=b.cells[i],u=how==='n'?+x.getAttribute('data-v'):x.textContent,v=how==='n'?"
	"+y.getAttribute('data-v'):y.textContent;return (u<v?-1:u>v?1:0)*dir;});dir=-dir;"
	"rows.forEach(function(r){body.appendChild(r);});}"
	"th.addEventListener('click',sort);th.addEventListener('keydown',function(e){"
	"if(e.key==='Enter')sort();});});})();";

void html_esc(FILE *out, const char *s)
{
	escape_html(out, s);
}

const char *html_site_anchor(const struct vgt_report *r, const struct vgt_site *s,
			     size_t sections, char buf[48])
{
	(void)r;
	snprintf(buf, 48, "%s-%zu", s->rank >= 1 && s->rank <= sections ? "site" : "row", s->rank);
	return buf;
}

/* text, as a link when url is not NULL */
static void linked(FILE *out, const char *url, const char *text)
{
	if (url != NULL) {
		fputs("<a href=\"", out);
		html_esc(out, url);
		fputs("\">", out);
	}
	html_esc(out, text);
	if (url != NULL)
		fputs("</a>", out);
}

static void inputs(FILE *out, const struct vgt_report *r)
{
	fputs("<ul class=\"inputs\">\n", out);
	for (size_t i = 0; i < r->n_inputs; i++) {
		const struct vgt_input *in = r->inputs[i];
		fputs("<li><code>", out);
		html_esc(out, in->path);
		fputs("</code>", out);
		if (in->pid >= 0)
			fprintf(out, " pid %ld", in->pid);
		if (in->command != NULL) {
			fputs(": <code>", out);
			html_esc(out, in->command);
			fputs("</code>", out);
		}
		char n[32];
		fprintf(out, " (%s records)", render_grouped(n, (uint64_t)in->records));
		if (!in->complete || !in->finished)
			fprintf(out, " <span class=\"fail\">incomplete: %s</span>",
				!in->complete ? "the input ends early" : "the run did not finish");
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

/* valgrind's figure, or what the input does not say */
static void amount_row(FILE *out, const struct vgt_report *r, enum vgt_kind_group g)
{
	const struct vgt_figures *fig = &r->totals.figures;
	fprintf(out, "<tr><td>%s</td>", figures_group_label(g));
	char b[32];
	if (fig->known & VGT_KNOWN_BYTES(g))
		fprintf(out, "<td class=\"n\">%s</td>", render_grouped(b, fig->amount[g].bytes));
	else
		fputs("<td class=\"n\">not in the input</td>", out);
	if (fig->known & VGT_KNOWN_BLOCKS(g))
		fprintf(out, "<td class=\"n\">%s</td></tr>\n", render_grouped(b, fig->amount[g].blocks));
	else
		fputs("<td class=\"n\">not in the input</td></tr>\n", out);
}

static void summary(FILE *out, const struct vgt_report *r)
{
	const struct vgt_totals *t = &r->totals;
	fputs("<h2>Summary</h2>\n<table class=\"auto\">\n"
	      "<tr><th>leak summary</th><th>bytes</th><th>blocks</th></tr>\n",
	      out);
	for (int g = VGT_GROUP_DEFINITE; g <= VGT_GROUP_REACHABLE; g++)
		amount_row(out, r, (enum vgt_kind_group)g);
	fputs("</table>\n", out);
	char e[32], c[32];
	if (t->figures.errors_unknown) {
		fputs("<p>Error summary: not in the input.", out);
	} else {
		fprintf(out, "<p>Error summary: %s errors from %s contexts.", render_grouped(e, t->errors),
			render_grouped(c, t->error_contexts));
	}
	struct render_hidden_item items[RENDER_HIDDEN_MAX];
	size_t nh = render_hidden_items(r, items);
	for (size_t i = 0; i < nh; i++) {
		const struct render_hidden_item *it = &items[i];
		fprintf(out, "%s%s %s%ssite%s%s (", i == 0 ? " Hidden: " : ", ",
			render_grouped(e, it->sites), it->filtered ? "" : it->label,
			it->filtered ? "" : " ", it->sites == 1 ? "" : "s",
			it->filtered ? " filtered out by --kinds" : "");
		html_esc(out, render_hidden_figures(r, it, 1));
		fputs(")", out);
	}
	if (nh > 0)
		fputs("; <code>--all</code> shows them.", out);
	if (t->suppressed_records > 0)
		fprintf(out, " Suppressed: %s records (%s bytes).",
			render_grouped(e, (uint64_t)t->suppressed_records), render_grouped(c, t->suppressed_bytes));
	fputs("</p>\n", out);
}

/* The tests of a site as a list (the script filters by them). */
static void site_tests_cell(FILE *out, const struct vgt_report *r, const struct vgt_site *s)
{
	const struct vgt_site_detail *d = site_detail(s);
	fputs("<td>", out);
	if (d->n_tests > 0) {
		fputs("<ul class=\"tl\">", out);
		for (size_t i = 0; i < d->n_tests; i++) {
			fputs("<li class=\"tn\">", out);
			html_esc(out, r->tests[d->tests[i].test].name);
			fputs("</li>", out);
		}
		fputs("</ul>", out);
	}
	fputs("</td>", out);
}

static void table(FILE *out, const struct vgt_report *r, const struct render_options *opts,
		  size_t n, size_t sections)
{
	int tests = r->n_tests > 0;
	uint64_t max = 0;
	for (size_t i = 0; i < n; i++)
		if (kind_is_leak(r->sites[i]->kind) && r->sites[i]->bytes > max)
			max = r->sites[i]->bytes;
	fprintf(out, "<h2>Sites</h2>\n<table id=\"sites\">\n<thead><tr><th data-sort=\"n\">#</th>"
		     "<th data-sort=\"t\">kind</th><th data-sort=\"n\">bytes</th>"
		     "<th data-sort=\"n\">blocks</th><th data-sort=\"n\">records</th>"
		     "<th data-sort=\"t\">location</th><th data-sort=\"t\">function</th>%s"
		     "<th>gate</th></tr></thead>\n<tbody>\n",
		tests ? "<th>tests</th>" : "");
	for (size_t i = 0; i < n; i++) {
		const struct vgt_site *s = r->sites[i];
		int leak = kind_is_leak(s->kind);
		int rel;
		const char *path = render_ci_path(r, &s->location, opts->source_root, &rel);
		char anchor[48];
		fprintf(out, "<tr id=\"row-%zu\" data-kind=\"", s->rank);
		html_esc(out, render_ci_kind_label(s));
		fputs("\" data-file=\"", out);
		html_esc(out, path != NULL ? escape_text_pool(r->pool, path) : "");
		fprintf(out, "\"><td class=\"n\" data-v=\"%zu\"><a href=\"#%s\">%zu</a></td>"
			     "<td><span class=\"k %s\">",
			s->rank, html_site_anchor(r, s, sections, anchor), s->rank,
			render_ci_level(s->kind));
		html_esc(out, render_ci_kind_label(s));
		fputs("</span></td>", out);
		char b[32], k[32];
		if (leak) {
			fprintf(out, "<td class=\"n\" data-v=\"%" PRIu64 "\">%s", s->bytes,
				render_grouped(b, s->bytes));
			html_bar(out, s, max);
			fprintf(out, "</td><td class=\"n\" data-v=\"%" PRIu64 "\">%s</td>", s->blocks,
				render_grouped(k, s->blocks));
		} else {
			fputs("<td class=\"n\" data-v=\"-1\">–</td><td class=\"n\" data-v=\"-1\">–</td>", out);
		}
		uint64_t rec = leak ? (uint64_t)s->records : s->occurrences;
		fprintf(out, "<td class=\"n\" data-v=\"%" PRIu64 "\">%s</td><td><code>", rec,
			render_grouped(b, rec));
		linked(out, render_ci_site_url(r, opts, s), render_ci_where(r, s, opts->source_root));
		fputs("</code></td><td><code>", out);
		html_esc(out, s->location.function);
		fputs("</code></td>", out);
		if (tests)
			site_tests_cell(out, r, s);
		fputs("<td>", out);
		if (render_ci_site_fails(opts, s))
			fputs("<span class=\"fail\">fails</span>", out);
		const char *mark = site_detail(s)->baseline;
		if (mark != NULL) {
			fputs(" ", out);
			html_esc(out, mark);
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody>\n</table>\n", out);
	if (n < r->n_shown) {
		char m[32];
		fprintf(out, "<p class=\"dim\">… %s more sites not listed.</p>\n",
			render_grouped(m, r->n_shown - n));
	}
}

/* ---- per-test results ---- */

static uint64_t test_bytes(const struct vgt_test *t)
{
	uint64_t b = 0;
	for (int g = VGT_GROUP_DEFINITE; g < VGT_GROUP_COUNT; g++)
		b += t->lost[g].bytes;
	return b;
}

static const struct vgt_test *sort_base;

static int cmp_tests(const void *pa, const void *pb)
{
	const struct vgt_test *a = &sort_base[*(const size_t *)pa], *b = &sort_base[*(const size_t *)pb];
	uint64_t x = a->lost[VGT_GROUP_DEFINITE].bytes, y = b->lost[VGT_GROUP_DEFINITE].bytes;
	if (x != y)
		return x > y ? -1 : 1;
	x = test_bytes(a);
	y = test_bytes(b);
	if (x != y)
		return x > y ? -1 : 1;
	size_t i = *(const size_t *)pa, j = *(const size_t *)pb;
	return (i > j) - (i < j);
}

static void tests_section(FILE *out, const struct vgt_report *r, size_t sections)
{
	if (r->n_tests == 0)
		return;
	size_t *order = xcalloc(r->n_tests + 1, sizeof(*order));
	size_t n = 0, real = 0;
	for (size_t i = 0; i < r->n_tests; i++) {
		real += !r->tests[i].session;
		if (r->tests[i].n_sites > 0)
			order[n++] = i;
	}
	sort_base = r->tests;
	qsort(order, n, sizeof(*order), cmp_tests);
	size_t leaked = 0;
	for (size_t i = 0; i < n; i++)
		leaked += !r->tests[order[i]].session;
	char a[32], b[32], c[32], d[32];
	fputs("<h2 id=\"tests\">Tests</h2>\n<p>", out);
	if (r->per_test)
		fprintf(out, "%s of %s test%s leaked in your code.", render_grouped(a, leaked),
			render_grouped(b, real), real == 1 ? "" : "s");
	else
		fprintf(out, "%s test%s leaked in your code (named by their Python frames).",
			render_grouped(a, leaked), leaked == 1 ? "" : "s");
	fputs("</p>\n", out);
	if (n > 0)
		fputs("<table class=\"auto\">\n<tr><th>test</th><th>definitely lost bytes</th>"
		      "<th>blocks</th><th>other bytes</th><th>sites</th><th>top site</th></tr>\n",
		      out);
	for (size_t i = 0; i < n; i++) {
		const struct vgt_test *t = &r->tests[order[i]];
		fputs("<tr><td><code>", out);
		html_esc(out, t->name);
		fputs("</code>", out);
		if (t->unfinished)
			fputs(" <span class=\"fail\">unfinished</span>", out);
		if (t->known)
			fputs(" <span class=\"dim\">known</span>", out);
		fprintf(out, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td>"
			     "<td class=\"n\">%s</td><td>",
			render_grouped(a, t->lost[VGT_GROUP_DEFINITE].bytes),
			render_grouped(b, t->lost[VGT_GROUP_DEFINITE].blocks),
			render_grouped(c, test_bytes(t) - t->lost[VGT_GROUP_DEFINITE].bytes),
			render_grouped(d, t->n_sites));
		if (t->top_site < r->n_sites) {
			const struct vgt_site *top = r->sites[t->top_site];
			char anchor[48];
			fprintf(out, "<a href=\"#%s\">#%zu</a> <code>", html_site_anchor(r, top, sections, anchor),
				top->rank);
			html_esc(out, render_location_label(r, &top->location));
			fputs("</code>", out);
		}
		fputs("</td></tr>\n", out);
	}
	if (n > 0)
		fputs("</table>\n", out);
	free(order);
}

/* ---- a site ---- */

static void context_lines(FILE *out, const struct vgt_context *c, unsigned here, const char *cls)
{
	for (size_t i = 0; i < c->count; i++) {
		unsigned line = c->first_line + (unsigned)i;
		const char *span = line == here ? "here" : cls;
		if (span != NULL)
			fprintf(out, "<span class=\"%s\">", span);
		fprintf(out, "%6u | ", line);
		html_esc(out, c->lines[i]);
		fputs(span != NULL ? "</span>\n" : "\n", out);
	}
}

static void context(FILE *out, const struct vgt_site *s)
{
	const struct vgt_context *c = &site_detail(s)->context;
	if (c->count == 0) {
		if (s->location.source != NULL) {
			fprintf(out, "<pre><span class=\"here\">%6u | ", s->location.line);
			html_esc(out, s->location.source);
			fputs("</span></pre>\n", out);
		}
		return;
	}
	fputs("<pre>", out);
	context_lines(out, c, s->location.line, NULL);
	fputs("</pre>\n", out);
}

/* The generated C: the marker, then (after a gap when there is one) the
 * lines around the line valgrind reported. */
static void generated(FILE *out, const struct vgt_report *r, const struct vgt_site *s)
{
	const struct vgt_site_detail *d = site_detail(s);
	const struct vgt_context *m = &d->gen_marker, *c = &d->gen_context;
	fputs("<pre>", out);
	context_lines(out, m, 0, "mk");
	struct vgt_context rest = *c;
	unsigned after = m->count > 0 ? m->first_line + (unsigned)m->count : 0;
	if (after > rest.first_line) { /* already shown as the marker */
		size_t skip = after - rest.first_line;
		skip = skip < rest.count ? skip : rest.count;
		rest.first_line += (unsigned)skip;
		rest.lines += skip;
		rest.count -= skip;
	}
	if (m->count > 0 && rest.count > 0 && rest.first_line > after)
		fputs("<span class=\"dim\">   ⋮</span>\n", out);
	context_lines(out, &rest, s->generated->line, NULL);
	fputs("</pre>\n", out);
	(void)r;
}

static void source_and_generated(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
				 const struct render_options *opts)
{
	int pair = s->generated != NULL && site_detail(s)->gen_context.count > 0;
	if (!pair) {
		context(out, s);
		if (s->generated != NULL) {
			fputs("<p class=\"dim\">generated: <code>", out);
			html_esc(out, render_location_label(r, s->generated));
			fputs("</code></p>\n", out);
		}
		return;
	}
	fputs("<div class=\"pair\"><div><h3>", out);
	linked(out, render_ci_site_url(r, opts, s), render_ci_where(r, s, opts->source_root));
	fputs("</h3>\n", out);
	context(out, s);
	fputs("</div><div><h3>generated: <code>", out);
	html_esc(out, render_location_label(r, s->generated));
	fputs("</code>", out);
	if (s->generated->function != NULL) {
		fputs(" <span class=\"dim\">", out);
		html_esc(out, escape_text_pool(r->pool, s->generated->function));
		fputs("</span>", out);
	}
	fputs("</h3>\n", out);
	generated(out, r, s);
	fputs("</div></div>\n", out);
}

/* The nature and the hint (issue 13) with the lines it is based on. */
static void hint(FILE *out, const struct vgt_site *s)
{
	const struct vgt_explain *x = site_detail(s)->explain;
	if (x == NULL)
		return;
	fputs("<p class=\"dim\">", out);
	html_esc(out, x->label);
	fputs("</p>\n", out);
	if (x->hint == NULL)
		return;
	fputs("<div class=\"hint\"><p><b>Hint:</b> ", out);
	html_esc(out, x->hint);
	fputs("</p>\n<pre>", out);
	for (size_t i = 0; i < x->n_evidence; i++) {
		const struct vgt_hint_line *h = &x->evidence[i];
		html_esc(out, h->file);
		fprintf(out, ":%u | ", h->line);
		html_esc(out, h->text);
		fputc('\n', out);
	}
	fputs("</pre></div>\n", out);
}

static void stack(FILE *out, const struct vgt_report *r, const struct render_options *opts,
		  const struct vgt_stack *st, size_t culprit)
{
	struct render_ci_item *items;
	size_t n = render_ci_fold(r->frames, st, culprit, &items);
	fputs("<pre>", out);
	for (size_t i = 0; i < n; i++) {
		const struct render_ci_item *it = &items[i];
		if (it->folded > 0) {
			fprintf(out, "<details><summary>   … %zu %s frames</summary>", it->folded,
				frame_class_name(it->cls));
			for (size_t k = it->index; k < it->index + it->folded; k++) {
				fputs("<span class=\"dim\">     by ", out);
				html_esc(out, render_frame_label(r, stack_frame(r->frames, st, k)));
				fputs("</span>\n", out);
			}
			fputs("</details>", out);
			continue;
		}
		const struct vgt_frame *f = stack_frame(r->frames, st, it->index);
		int is_culprit = it->index == culprit;
		fprintf(out, "%s %s ", is_culprit ? "<b>&gt;" : " ", it->index == 0 ? "at" : "by");
		linked(out, render_ci_frame_url(r, opts, f), render_frame_label(r, f));
		fprintf(out, "%s <span class=\"dim\">[%s]</span>\n", is_culprit ? "</b>" : "",
			frame_class_name(f->cls));
	}
	fputs("</pre>\n", out);
	free(items);
}

static const char *leak_words(enum vgt_kind kind)
{
	switch (kind) {
	case VGT_KIND_LEAK_DEFINITELY_LOST: return "definitely lost";
	case VGT_KIND_LEAK_INDIRECTLY_LOST: return "indirectly lost";
	case VGT_KIND_LEAK_POSSIBLY_LOST: return "possibly lost";
	default: return "still reachable";
	}
}

/* "9,600 bytes in 300 blocks definitely lost (2 records) in f" /
 * "Invalid read of size 4 (2 times) in f" */
static void message(FILE *out, const struct vgt_report *r, const struct vgt_site *s)
{
	char a[32], b[32], c[32];
	if (kind_is_leak(s->kind)) {
		fprintf(out, "%s byte%s in %s block%s %s (%s record%s", render_grouped(a, s->bytes),
			s->bytes == 1 ? "" : "s", render_grouped(b, s->blocks), s->blocks == 1 ? "" : "s",
			leak_words(s->kind), render_grouped(c, s->records), s->records == 1 ? "" : "s");
		if (s->indirect_bytes > 0 && s->kind != VGT_KIND_LEAK_INDIRECTLY_LOST)
			fprintf(out, "; %s direct, %s indirect", render_grouped(a, s->direct_bytes),
				render_grouped(b, s->indirect_bytes));
		fputc(')', out);
	} else {
		/* every access size of the site's records ("of size 8 and 4") */
		const char *what = s->what != NULL ? render_site_what(r, s) : kind_info(s->kind)->title;
		size_t wl = strcspn(what, "\n");
		html_esc(out, escape_text_pool(r->pool, strpool_intern_n(r->pool, what, wl)));
		if (r->totals.figures.occurrences_unknown)
			fprintf(out, " (%s context%s)", render_grouped(a, s->records),
				s->records == 1 ? "" : "s");
		else
			fprintf(out, " (%s time%s)", render_grouped(a, s->occurrences),
				s->occurrences == 1 ? "" : "s");
	}
	if (s->location.function != NULL) {
		fputs(" in <code>", out);
		html_esc(out, escape_text_pool(r->pool, s->location.function));
		fputs("</code>", out);
	}
}

static void site_tests(FILE *out, const struct vgt_report *r, const struct vgt_site *s)
{
	const struct vgt_site_detail *d = site_detail(s);
	if (d->n_tests == 0)
		return;
	char a[32], b[32];
	int leak = kind_is_leak(s->kind);
	fprintf(out, "<details><summary>%zu test%s</summary><table class=\"auto\">"
		     "<tr><th>test</th><th>%s</th>%s</tr>\n",
		d->n_tests, d->n_tests == 1 ? "" : "s", leak ? "bytes" : "contexts",
		leak ? "<th>blocks</th>" : "");
	for (size_t i = 0; i < d->n_tests; i++) {
		const struct vgt_site_test *t = &d->tests[i];
		fputs("<tr><td><code>", out);
		html_esc(out, r->tests[t->test].name);
		if (leak)
			fprintf(out, "</code></td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
				render_grouped(a, t->bytes), render_grouped(b, t->blocks));
		else
			fprintf(out, "</code></td><td class=\"n\">%s</td></tr>\n",
				render_grouped(a, t->blocks));
	}
	fputs("</table></details>\n", out);
}

static void site_section(FILE *out, const struct vgt_report *r, const struct vgt_site *s,
			 const struct render_options *opts)
{
	const struct vgt_site_detail *d = site_detail(s);
	fprintf(out, "<section class=\"site\" id=\"site-%zu\">\n<h2>#%zu <span class=\"k %s\">", s->rank,
		s->rank, render_ci_level(s->kind));
	html_esc(out, s->kind == VGT_KIND_UNKNOWN ? s->kind_name : kind_info(s->kind)->title);
	fputs("</span> <code>", out);
	linked(out, render_ci_site_url(r, opts, s), render_ci_where(r, s, opts->source_root));
	fputs("</code></h2>\n<p>", out);
	message(out, r, s);
	fprintf(out, "<br><span class=\"dim\">fingerprint <code>%s</code>", s->fingerprint);
	if (d->baseline != NULL) {
		fputs(" · baseline: ", out);
		html_esc(out, d->baseline);
	}
	fputs("</span></p>\n", out);
	source_and_generated(out, r, s, opts);
	hint(out, s);
	site_tests(out, r, s);
	stack(out, r, opts, &s->stack, s->culprit);
	if (s->auxwhat != NULL) {
		fputs("<p>", out);
		html_esc(out, s->auxwhat);
		fputs("</p>\n", out);
		stack(out, r, opts, &s->aux_stack, s->aux_stack.count);
	}
	if (s->auxwhat2 != NULL) {
		fputs("<p>", out);
		html_esc(out, s->auxwhat2);
		fputs("</p>\n", out);
		stack(out, r, opts, &s->aux_stack2, s->aux_stack2.count);
	}
	fputs("</section>\n", out);
}

int render_html(FILE *out, const struct vgt_report *r, const struct render_options *opts)
{
	size_t n = render_ci_listed(r, opts);
	size_t stacks = opts->stacks != 0 ? opts->stacks : DEFAULT_STACKS;
	size_t sections = n < stacks ? n : stacks;
	char style_hash[45], script_hash[45], shown[32];
	sha256_base64(css, strlen(css), style_hash);
	sha256_base64(script, strlen(script), script_hash);
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		     "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		     "style-src 'sha256-%s'; script-src 'sha256-%s'; base-uri 'none'; "
		     "form-action 'none'\">\n"
		     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		     "<title>vgtriage: %s site%s</title>\n<style>%s</style>\n</head>\n<body>\n"
		     "<h1>vgtriage: valgrind memcheck</h1>\n",
		style_hash, script_hash, render_grouped(shown, r->n_shown), r->n_shown == 1 ? "" : "s",
		css);
	inputs(out, r);
	if (r->n_shown == 0) {
		fputs("<p><b>No findings in your code.</b></p>\n", out);
	} else {
		html_flame(out, r, opts, n, sections);
		table(out, r, opts, n, sections);
	}
	html_growth(out, r);
	summary(out, r);
	tests_section(out, r, sections);
	for (size_t i = 0; i < sections; i++)
		site_section(out, r, r->sites[i], opts);
	if (r->n_notes > 0) {
		fputs("<h2>Notes</h2>\n<ul>\n", out);
		for (size_t i = 0; i < r->n_notes; i++) {
			fputs("<li>", out);
			html_esc(out, r->notes[i]);
			fputs("</li>\n", out);
		}
		fputs("</ul>\n", out);
	}
	fprintf(out, "<p class=\"dim\">vgtriage %s</p>\n<script>%s</script>\n</body>\n</html>\n",
		VGT_VERSION, script);
	return ferror(out) ? -1 : 0;
}
