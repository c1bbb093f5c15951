# A module in a sub-package: its marker path is shapes/sub/deep.pyx.
from libc.stdlib cimport malloc


def deep_leak(size_t n):
    cdef char *p = <char *>malloc(n)
    if p != NULL:
        p[0] = 1
    return 0
