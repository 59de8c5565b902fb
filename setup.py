"""Builds the native module; everything else is in pyproject.toml.

It is optional: without a C compiler the install still succeeds, and the
long-range matcher of ``codecs/longrange.py`` then finds no REFERENCE copies
(``longrange.MATCHER`` says which is in use).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("sigmalang.codecs._matcher", ["src/sigmalang/codecs/_matcher.c"], optional=True),
    ]
)
