"""Builds the native modules; everything else is in pyproject.toml.

They are optional: without a C compiler the install still succeeds, the
long-range matcher of ``codecs/longrange.py`` then finds no REFERENCE copies
(``longrange.MATCHER`` says which is in use), and DELTA unshuffles with numpy.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("sigmalang.codecs._matcher", ["src/sigmalang/codecs/_matcher.c"], optional=True),
        Extension("sigmalang.codecs._shuffle", ["src/sigmalang/codecs/_shuffle.c"], optional=True),
    ]
)
