/* Candidate block boundaries for codecs/blocks.py, in native code.
 *
 * candidates(data) returns, as bytes holding little-endian int64 values, the
 * offsets just past every 4-byte window of `data` whose hash
 * (window * 0x9E3779B1 mod 2**32, the window read little-endian) has its top
 * BOUNDARY_BITS bits set: exactly what blocks._candidates_numpy computes, a
 * few times faster. On x86-64 CPUs with AVX2 eight windows are hashed per
 * instruction (four loads one byte apart give the windows of 32 consecutive
 * positions); elsewhere a plain loop does the same. The interpreter lock is
 * released while scanning, so the encoder's matcher thread does not hold up
 * the workers.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define HAVE_AVX2_PATH 1
#endif

#define MULTIPLIER 0x9E3779B1u
#define BOUNDARY_BITS 11
#define SHIFT (32 - BOUNDARY_BITS)
#define TOP ((1u << BOUNDARY_BITS) - 1u)

/* Offsets found so far, in a buffer that grows as needed (filled without the interpreter lock). */
typedef struct {
    int64_t *data;
    size_t len, cap;
    int failed;
} Hits;

static void push(Hits *hits, size_t offset)
{
    if (hits->len == hits->cap) {
        size_t cap = hits->cap ? 2 * hits->cap : 1024;
        int64_t *grown = realloc(hits->data, cap * sizeof(int64_t));
        if (grown == NULL) {
            hits->failed = 1;
            return;
        }
        hits->data = grown;
        hits->cap = cap;
    }
    hits->data[hits->len++] = (int64_t)offset;
}

/* Scan windows [from, windows). */
static void scan_plain(const uint8_t *p, size_t from, size_t windows, Hits *hits)
{
    for (size_t j = from; j < windows; j++) {
        uint32_t w;
        memcpy(&w, p + j, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        w = __builtin_bswap32(w);
#endif
        if ((uint32_t)(w * MULTIPLIER) >> SHIFT == TOP)
            push(hits, j + 4);
    }
}

#ifdef HAVE_AVX2_PATH
/* Scan the windows a whole number of 32-window steps covers; returns where it stopped. */
__attribute__((target("avx2"))) static size_t scan_avx2(const uint8_t *p, size_t windows, Hits *hits)
{
    const __m256i multiplier = _mm256_set1_epi32((int)MULTIPLIER);
    const __m256i top = _mm256_set1_epi32((int)TOP);
    size_t j = 0;
    /* The load at j + a holds the windows at j + a + 4i (i = 0..7). */
    for (; j + 32 <= windows; j += 32) {
        unsigned masks[4];
        for (int a = 0; a < 4; a++) {
            __m256i w = _mm256_loadu_si256((const __m256i *)(p + j + a));
            __m256i h = _mm256_srli_epi32(_mm256_mullo_epi32(w, multiplier), SHIFT);
            masks[a] = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(h, top)));
        }
        if (masks[0] | masks[1] | masks[2] | masks[3]) {
            for (int i = 0; i < 8; i++)
                for (int a = 0; a < 4; a++)
                    if (masks[a] >> i & 1u)
                        push(hits, j + 4 * (size_t)i + (size_t)a + 4);
        }
    }
    return j;
}
#endif

static void scan(const uint8_t *p, size_t n, int simd, Hits *hits)
{
    if (n < 4)
        return;
    size_t windows = n - 3, j = 0;
#ifdef HAVE_AVX2_PATH
    if (simd && __builtin_cpu_supports("avx2"))
        j = scan_avx2(p, windows, hits);
#else
    (void)simd;
#endif
    scan_plain(p, j, windows, hits);
}

static PyObject *candidates(PyObject *module, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"data", "simd", NULL};
    Py_buffer view;
    int simd = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "y*|p:candidates", keywords, &view, &simd))
        return NULL;
    Hits hits = {NULL, 0, 0, 0};
    Py_BEGIN_ALLOW_THREADS
    scan((const uint8_t *)view.buf, (size_t)view.len, simd, &hits);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    PyObject *result = hits.failed ? PyErr_NoMemory()
                                   : PyBytes_FromStringAndSize((const char *)hits.data,
                                                               (Py_ssize_t)(hits.len * sizeof(int64_t)));
    free(hits.data);
    return result;
}

static PyMethodDef methods[] = {
    {"candidates", (PyCFunction)(void (*)(void))candidates, METH_VARARGS | METH_KEYWORDS,
     "candidates(data, simd=True) -> bytes of int64 offsets past each boundary window"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_cutter", "Candidate block boundaries, native.", -1, methods};

PyMODINIT_FUNC PyInit__cutter(void)
{
    return PyModule_Create(&module);
}
