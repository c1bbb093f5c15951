# cython: language_level=3
# The user's Cython module, installed into a virtualenv's site-packages as
# pip would: a per-request leak and an error-path leak.
from libc.stdlib cimport malloc, free
from libc.string cimport memset


cdef char *scratch(size_t n):
    cdef char *p = <char *>malloc(n)
    memset(p, 0, n)
    return p


def handle(int i):
    cdef char *buf = scratch(64)
    buf[0] = <char>(i & 0x7f)
    return i + buf[0]


def parse(bytes data):
    cdef char *tmp = <char *>malloc(len(data) + 1)
    if not data.startswith(b"{"):
        raise ValueError("not a document")
    free(tmp)
    return len(data)
