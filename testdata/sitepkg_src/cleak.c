/* A C extension installed into site-packages: one definite leak per call
 * and a struct lost with the block it points to (definite + indirect). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	char *name;
	size_t len;
};

static PyObject *cleak_remember(PyObject *self, PyObject *args)
{
	int n;
	(void)self;
	if (!PyArg_ParseTuple(args, "i", &n))
		return NULL;
	char *copy = malloc(48);
	if (copy == NULL)
		return PyErr_NoMemory();
	snprintf(copy, 48, "request %d", n);
	return PyLong_FromSize_t(strlen(copy)); /* copy is never freed */
}

static PyObject *cleak_index(PyObject *self, PyObject *args)
{
	const char *name;
	(void)self;
	if (!PyArg_ParseTuple(args, "s", &name))
		return NULL;
	struct entry *e = malloc(sizeof(*e));
	if (e == NULL)
		return PyErr_NoMemory();
	e->len = strlen(name);
	e->name = malloc(e->len + 1);
	if (e->name == NULL) {
		free(e);
		return PyErr_NoMemory();
	}
	memcpy(e->name, name, e->len + 1);
	return PyLong_FromSize_t(e->len); /* e and e->name are lost */
}

static PyMethodDef cleak_methods[] = {
	{"remember", cleak_remember, METH_VARARGS, "leaks 48 bytes"},
	{"index", cleak_index, METH_VARARGS, "leaks an entry and its name"},
	{NULL, NULL, 0, NULL},
};

static struct PyModuleDef cleak_module = {
	PyModuleDef_HEAD_INIT, "cleak", NULL, -1, cleak_methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit_cleak(void)
{
	return PyModule_Create(&cleak_module);
}
