/*
 * frames.h — the frame table: every distinct frame of a report, once.
 *
 * Readers intern each frame they parse (ip, obj, fn, dir, file, line, and
 * the pid for frames valgrind could not name, whose meaning depends on the
 * process) and hand records arrays of 32-bit frame ids (struct vgt_stack).
 * What vgtriage derives about a frame — the Cython mapping, the Python
 * name, the class — is computed once per distinct frame and stored in its
 * table entry (pipeline.c: frame_resolve), never per record.
 *
 * Ownership: the table belongs to its report (report->frames) and lives as
 * long as it; entries never move (they are allocated in chunks), so a
 * `const struct vgt_frame *` stays valid for the report's life — unless
 * a collection (frames_gc, below; pipeline.c runs it while an XML input
 * is read) reclaims the frame because no stack it was given holds its id:
 * its entry then serves a later frame.  Strings
 * in entries are interned in the table's strpool (the report's pool).
 * Interning does not need the key's strings to be interned or
 * NUL-terminated: the hot path (xml_reader) hashes the element texts as
 * they are and interns strings only for a frame it has not seen before.
 *
 * Any module may include it.
 */
#ifndef VGTRIAGE_FRAMES_H
#define VGTRIAGE_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "vgtriage/model.h"
#include "vgtriage/strpool.h"

/* A frame as a reader sees it.  A string field is absent when its pointer
 * is NULL (valgrind's ??? has no fn); present-but-empty has len 0.  A
 * text holds no NUL byte in its len (XML has none, the line readers end a
 * line at one, the JSON reader rejects one): the table compares texts
 * with strncmp. */
struct frame_key {
	uint64_t ip;
	const char *obj, *fn, *dir, *file;
	size_t obj_len, fn_len, dir_len, file_len;
	unsigned line;
	long pid; /* only when fn is NULL; else ignored */
};

struct frame_table;

struct frame_table *frames_new(struct strpool *pool);
void frames_free(struct frame_table *ft); /* NULL is a no-op */
/* A table of keys only, for a reader whose frames nothing resolves and
 * that are read back only by frames_intern_from, frames_key_of and
 * frames_key_hash (split.c's part stores): 56 bytes an entry instead of
 * 152.  frames_at on it aborts; frames_gc never reclaims in it. */
struct frame_table *frames_new_keys(struct strpool *pool);

/* The id of the frame with these fields, adding it when new. */
uint32_t frames_intern(struct frame_table *ft, const struct frame_key *key);
/* The same from a frame whose strings are NUL-terminated (NULL = absent);
 * a new entry also takes f's derived fields (pyx_*, pyname, cls…), which
 * diff's JSON loader and tests set. */
uint32_t frames_intern_frame(struct frame_table *ft, const struct vgt_frame *f);
/* Frame src_id of table src into ft: interned under the key the input
 * wrote (a frame resolving renamed — a demangled or ELF-read name — stays
 * apart from another that input named so), with everything resolving
 * derived, names included (rank_merge, the parts of one input).  From a
 * table of keys into a full table it takes the hash src computed and
 * asks ft's pool once per distinct string of src's pool (a map of their
 * addresses, dropped whenever any pool is freed: strpool_frees). */
uint32_t frames_intern_from(struct frame_table *ft, const struct frame_table *src, uint32_t src_id);

/* The key entry id was interned under (what the input wrote, before
 * resolving renamed it): strings NUL-terminated or NULL (lengths set). */
void frames_key_of(const struct frame_table *ft, uint32_t id, struct frame_key *key);

size_t frames_count(const struct frame_table *ft);
struct strpool *frames_pool(const struct frame_table *ft);

/* A hash of the frame's key as the input wrote it (not of pointers, nor
 * of the pid): equal frames hash alike in every table and every process,
 * as a forked child's copy of its parent's stack does. */
uint64_t frames_key_hash(const struct frame_table *ft, uint32_t id);

/* Reclaiming the entries of frames nothing holds (issue 22: memory that
 * grows with the sites shown, not with the distinct frames read).
 *
 *   gc = frames_gc_begin(ft);
 *   frames_gc_keep(gc, stack);   for every stack that holds ids of ft
 *   frames_gc_end(gc);           the other frames' entries are reclaimed
 *
 * Kept besides: frames not resolved yet, the callers of a kept inlined
 * frame (inlined_by), and the first frame of each object and of each
 * function name that frames_gc_names allows (a scan of the whole table
 * finds the same objects and names, in the same order).  A first frame stays
 * for good, even when the stacks that held it are gone.  A reclaimed id is never given again: it
 * reads as an all-zero frame and is no longer found by interning (the
 * same key gets a new id).  Live frames keep their ids and addresses.
 * The caller must hand every stack it, or anything it calls, keeps ids
 * of ft in; a cache of ids (split.c's replay map) is dropped when
 * frames_gc_runs changes.  frames_gc_end returns how many it reclaimed. */
struct frames_gc;
struct frames_gc *frames_gc_begin(struct frame_table *ft);
void frames_gc_keep(struct frames_gc *gc, const struct vgt_stack *stack);
size_t frames_gc_end(struct frames_gc *gc);
/* The function names and objects whose first frame frames_gc keeps:
 * those for which fn_named(fn), obj_named(obj) is 1 (NULL, the default:
 * every one).  An input whose every record names new functions or objects
 * would otherwise keep a frame for each; the caller names what its scans
 * of the whole table look for (pipeline.c: pymalloc_looks_for*).  Set it
 * before the first collection. */
void frames_gc_names(struct frame_table *ft, int (*fn_named)(const char *fn),
		     int (*obj_named)(const char *obj));
/* Frames not reclaimed (frames_count counts every id given). */
size_t frames_live(const struct frame_table *ft);
/* How many collections reclaimed something in ft. */
unsigned frames_gc_runs(const struct frame_table *ft);
/* 1 when id's entry was reclaimed. */
int frames_reclaimed(const struct frame_table *ft, uint32_t id);

/* Entries by id (id < frames_count; a reclaimed one reads as all zero). */
struct vgt_frame *frames_at(const struct frame_table *ft, uint32_t id);

/* The i-th frame of a stack. */
static inline const struct vgt_frame *stack_frame(const struct frame_table *ft,
						  const struct vgt_stack *stack, size_t i)
{
	return frames_at(ft, stack->ids[i]);
}

#endif
