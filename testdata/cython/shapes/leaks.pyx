# Each shape of Cython code leaks its own malloc size, so that a report can
# be checked against this file by hand (see expected.tsv).
from libc.stdlib cimport malloc


def def_leak(size_t n):
    """A plain def function: leaks n bytes."""
    cdef void *p = malloc(n)
    return p != NULL


cdef void *cdef_leak(size_t n):
    cdef void *p = malloc(n)
    return p


def call_cdef(size_t n):
    cdef_leak(n)


cpdef int cpdef_leak(size_t n):
    cdef void *p = malloc(n)
    return p != NULL


cdef class Holder:
    cdef void *buf

    def __cinit__(self, size_t n):
        self.buf = malloc(n)

    def grab(self, size_t n):
        cdef void *p = malloc(n)
        return p != NULL

    @staticmethod
    def make(size_t n):
        cdef void *p = malloc(n)
        return p != NULL


def make_closure(size_t n):
    def inner():
        cdef void *p = malloc(n)
        return p != NULL
    return inner


def gen_leak(size_t n, int times):
    for i in range(times):
        yield malloc(n) != NULL


make_lambda = lambda n: <size_t>malloc(n) != 0


def nogil_leak(size_t n):
    cdef void *p
    with nogil:
        p = malloc(n)
    return p != NULL


def comment_closer(size_t n):
    cdef void *p = malloc(n)  # a comment with */ and /* in it
    return p != NULL
