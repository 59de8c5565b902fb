/* Byte unshuffle for codecs/transforms.py, in native code.
 *
 * A shuffled buffer holds byte k of every `width`-byte element in its k-th
 * plane (n bytes each); unshuffling writes them back element by element. numpy
 * does it a plane at a time, one strided write per byte of the element, at
 * about 4 GB/s here; DELTA's decoding of float64 chunks spent a third of its
 * time there. With SSE2 (every x86-64 CPU) sixteen elements are interleaved
 * at once from sixteen bytes of each plane, by unpacking bytes, then pairs,
 * then quadruples; other widths and CPUs take a plain loop. Runs without the
 * interpreter lock.
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
#endif

static void unshuffle_plain(uint8_t *dst, const uint8_t *src, Py_ssize_t n, int width, Py_ssize_t from)
{
    for (int k = 0; k < width; k++) {
        const uint8_t *plane = src + (Py_ssize_t)k * n;
        for (Py_ssize_t i = from; i < n; i++)
            dst[i * width + k] = plane[i];
    }
}

static PyObject *unshuffle(PyObject *module, PyObject *args)
{
    Py_buffer dst, src;
    int width;
    if (!PyArg_ParseTuple(args, "w*y*i", &dst, &src, &width))
        return NULL;
    PyObject *result = NULL;
    if (width < 1 || width > 255 || dst.len != src.len || dst.len % width) {
        PyErr_Format(PyExc_ValueError, "unshuffle needs equal lengths (%zd, %zd) that are a multiple of the width (%d)",
                     dst.len, src.len, width);
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
        from = unshuffle_sse2(dst.buf, src.buf, n, width);
#endif
    unshuffle_plain(dst.buf, src.buf, n, width, from);
    Py_END_ALLOW_THREADS
    result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&dst);
    PyBuffer_Release(&src);
    return result;
}

static PyMethodDef methods[] = {
    {"unshuffle", unshuffle, METH_VARARGS,
     "unshuffle(dst, src, width): byte k of element i of dst = src[k * n + i], n = len(src) // width"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_shuffle", "Byte unshuffle for DELTA (see _shuffle.c).", -1, methods};

PyMODINIT_FUNC PyInit__shuffle(void) { return PyModule_Create(&module); }
