/*
 * sax_baseline.c — the floor for `make bench`: libxml2's SAX2 push parser
 * over a file with callbacks that do nothing, fed in the same 256 KiB
 * chunks and with the same parser options as vgtriage's XML reader.  The
 * reader cannot be faster than this; the benchmark holds it within 1.2x.
 *
 * Usage: sax_baseline FILE   (exit 0 on a well-formed document)
 * Built by tests/bench.sh with cc and pkg-config; not part of vgtriage.
 */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long elements;

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
		     int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
	(void)ctx; (void)localname; (void)prefix; (void)uri; (void)nb_namespaces;
	(void)namespaces; (void)nb_attributes; (void)nb_defaulted; (void)attributes;
	elements++;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
		   const xmlChar *uri)
{
	(void)ctx; (void)localname; (void)prefix; (void)uri;
}

static void on_characters(void *ctx, const xmlChar *ch, int len)
{
	(void)ctx; (void)ch; (void)len;
}

static void on_error(void *ctx, xmlErrorPtr error)
{
	(void)ctx; (void)error;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: sax_baseline FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (f == NULL) {
		perror(argv[1]);
		return 2;
	}
	xmlSAXHandler sax;
	memset(&sax, 0, sizeof(sax));
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = on_characters;
	sax.serror = on_error;
	xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, NULL, NULL, 0, argv[1]);
	if (ctxt == NULL)
		return 2;
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					XML_PARSE_NOCDATA);
	static char buf[256 * 1024];
	size_t n;
	int rc = 0;
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		rc = xmlParseChunk(ctxt, buf, (int)n, 0);
	if (rc == 0)
		rc = xmlParseChunk(ctxt, NULL, 0, 1);
	int well_formed = ctxt->wellFormed;
	xmlFreeParserCtxt(ctxt);
	fclose(f);
	fprintf(stderr, "sax_baseline: %lu elements\n", elements);
	return rc == 0 && well_formed ? 0 : 1;
}
