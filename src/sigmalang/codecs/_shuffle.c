/* Byte shuffle and unshuffle for codecs/transforms.py, in native code.
 *
 * A shuffled buffer holds byte k of every `width`-byte element in its k-th
 * plane (n bytes each); unshuffling writes them back element by element. numpy
 * does either a plane at a time, one strided copy per byte of the element, at
 * about 4 GB/s here; DELTA's decoding of float64 chunks spent a third of its
 * time there. With SSE2 (every x86-64 CPU) sixteen elements go at once: to
 * unshuffle, sixteen bytes of each plane are interleaved by unpacking bytes,
 * then pairs, then quadruples; to shuffle, the `width` registers holding the
 * sixteen elements go through four rounds of byte unpacks, register k paired
 * with register k + width/2, after which register k holds plane k. Other
 * widths and CPUs take a plain loop. Runs without the interpreter lock.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#define LOAD(p) _mm_loadu_si128((const __m128i *)(p))
#define STORE(p, v) _mm_storeu_si128((__m128i *)(p), (v))

/* Elements [0, n - n % 16) of width 2, 4 or 8; returns how many were done. */
static Py_ssize_t unshuffle_sse2(uint8_t *dst, const uint8_t *src, Py_ssize_t n, int width)
{
    Py_ssize_t i = 0;
    if (width == 2) {
        for (; i + 16 <= n; i += 16) {
            __m128i a0 = LOAD(src + i), a1 = LOAD(src + n + i);
            STORE(dst + 2 * i, _mm_unpacklo_epi8(a0, a1));
            STORE(dst + 2 * i + 16, _mm_unpackhi_epi8(a0, a1));
        }
    } else if (width == 4) {
        for (; i + 16 <= n; i += 16) {
            __m128i a0 = LOAD(src + i), a1 = LOAD(src + n + i), a2 = LOAD(src + 2 * n + i), a3 = LOAD(src + 3 * n + i);
            __m128i b0 = _mm_unpacklo_epi8(a0, a1), b1 = _mm_unpackhi_epi8(a0, a1);
            __m128i b2 = _mm_unpacklo_epi8(a2, a3), b3 = _mm_unpackhi_epi8(a2, a3);
            uint8_t *out = dst + 4 * i;
            STORE(out, _mm_unpacklo_epi16(b0, b2));
            STORE(out + 16, _mm_unpackhi_epi16(b0, b2));
            STORE(out + 32, _mm_unpacklo_epi16(b1, b3));
            STORE(out + 48, _mm_unpackhi_epi16(b1, b3));
        }
    } else if (width == 8) {
        for (; i + 16 <= n; i += 16) {
            __m128i a[8], b[8], c[8];
            for (int k = 0; k < 8; k++)
                a[k] = LOAD(src + k * n + i);
            for (int k = 0; k < 8; k += 2) { /* bytes k, k+1 of elements 0-7 and 8-15 */
                b[k] = _mm_unpacklo_epi8(a[k], a[k + 1]);
                b[k + 1] = _mm_unpackhi_epi8(a[k], a[k + 1]);
            }
            for (int h = 0; h < 8; h += 4) { /* bytes h..h+3 of elements 0-3, 4-7, 8-11, 12-15 */
                c[h] = _mm_unpacklo_epi16(b[h], b[h + 2]);
                c[h + 1] = _mm_unpackhi_epi16(b[h], b[h + 2]);
                c[h + 2] = _mm_unpacklo_epi16(b[h + 1], b[h + 3]);
                c[h + 3] = _mm_unpackhi_epi16(b[h + 1], b[h + 3]);
            }
            uint8_t *out = dst + 8 * i;
            for (int q = 0; q < 4; q++) { /* elements 4q .. 4q+3, whole */
                STORE(out + 32 * q, _mm_unpacklo_epi32(c[q], c[q + 4]));
                STORE(out + 32 * q + 16, _mm_unpackhi_epi32(c[q], c[q + 4]));
            }
        }
    }
    return i;
}

/* Sixteen elements of `width` bytes at src + i * width into their planes; inlined with a
 * constant width, so the registers stay registers. */
static inline __attribute__((always_inline)) void shuffle_block(uint8_t *dst, const uint8_t *src, Py_ssize_t n,
                                                                Py_ssize_t i, const int width)
{
    __m128i r[8], t[8];
    for (int k = 0; k < width; k++)
        r[k] = LOAD(src + i * width + 16 * k);
    for (int round = 0; round < 4; round++) {
        for (int k = 0; k < width / 2; k++) {
            t[2 * k] = _mm_unpacklo_epi8(r[k], r[k + width / 2]);
            t[2 * k + 1] = _mm_unpackhi_epi8(r[k], r[k + width / 2]);
        }
        for (int k = 0; k < width; k++)
            r[k] = t[k];
    }
    for (int k = 0; k < width; k++)
        STORE(dst + k * n + i, r[k]);
}

/* Elements [0, n - n % 16) of width 2, 4 or 8 into their planes; returns how many were done. */
static Py_ssize_t shuffle_sse2(uint8_t *dst, const uint8_t *src, Py_ssize_t n, int width)
{
    Py_ssize_t i = 0;
    switch (width) {
    case 2:
        for (; i + 16 <= n; i += 16)
            shuffle_block(dst, src, n, i, 2);
        break;
    case 4:
        for (; i + 16 <= n; i += 16)
            shuffle_block(dst, src, n, i, 4);
        break;
    case 8:
        for (; i + 16 <= n; i += 16)
            shuffle_block(dst, src, n, i, 8);
        break;
    }
    return i;
}
#endif

static void shuffle_plain(uint8_t *dst, const uint8_t *src, Py_ssize_t n, int width, Py_ssize_t from)
{
    for (int k = 0; k < width; k++) {
        uint8_t *plane = dst + (Py_ssize_t)k * n;
        for (Py_ssize_t i = from; i < n; i++)
            plane[i] = src[i * width + k];
    }
}

static void unshuffle_plain(uint8_t *dst, const uint8_t *src, Py_ssize_t n, int width, Py_ssize_t from)
{
    for (int k = 0; k < width; k++) {
        const uint8_t *plane = src + (Py_ssize_t)k * n;
        for (Py_ssize_t i = from; i < n; i++)
            dst[i * width + k] = plane[i];
    }
}

/* dst and src of equal length, a multiple of width (the caller's tail bytes stay outside). */
static PyObject *transpose(PyObject *args, int forward)
{
    Py_buffer dst, src;
    int width;
    if (!PyArg_ParseTuple(args, "w*y*i", &dst, &src, &width))
        return NULL;
    PyObject *result = NULL;
    if (width < 1 || width > 255 || dst.len != src.len || dst.len % width) {
        PyErr_Format(PyExc_ValueError, "%s needs equal lengths (%zd, %zd) that are a multiple of the width (%d)",
                     forward ? "shuffle" : "unshuffle", dst.len, src.len, width);
        goto done;
    }
    Py_ssize_t n = dst.len / width, from = 0;
    Py_BEGIN_ALLOW_THREADS
    if (width == 1) {
        memcpy(dst.buf, src.buf, (size_t)n);
        from = n;
    }
#if defined(__SSE2__)
    else
        from = forward ? shuffle_sse2(dst.buf, src.buf, n, width) : unshuffle_sse2(dst.buf, src.buf, n, width);
#endif
    if (forward)
        shuffle_plain(dst.buf, src.buf, n, width, from);
    else
        unshuffle_plain(dst.buf, src.buf, n, width, from);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&dst);
    PyBuffer_Release(&src);
    return result;
}

static PyObject *shuffle(PyObject *Py_UNUSED(module), PyObject *args) { return transpose(args, 1); }
static PyObject *unshuffle(PyObject *Py_UNUSED(module), PyObject *args) { return transpose(args, 0); }

static PyMethodDef methods[] = {
    {"shuffle", shuffle, METH_VARARGS, "shuffle(dst, src, width): dst[k * n + i] = byte k of element i of src, n = len(src) // width"},
    {"unshuffle", unshuffle, METH_VARARGS,
     "unshuffle(dst, src, width): byte k of element i of dst = src[k * n + i], n = len(src) // width"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_shuffle", "Byte shuffle and unshuffle for DELTA (see _shuffle.c).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__shuffle(void) { return PyModule_Create(&module); }
