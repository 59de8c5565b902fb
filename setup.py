"""Builds the native modules; everything else is in pyproject.toml.

Both are optional: without a C compiler the install still succeeds.
``sigmalang.codecs._cutter`` then gives way to the numpy path of
``codecs/blocks.py``, which finds the same block boundaries, slower;
without ``sigmalang.codecs._matcher`` the long-range matcher of
``codecs/longrange.py`` finds no copies (see ``longrange.MATCHER``).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("sigmalang.codecs._cutter", ["src/sigmalang/codecs/_cutter.c"], optional=True),
        Extension("sigmalang.codecs._matcher", ["src/sigmalang/codecs/_matcher.c"], optional=True),
    ]
)
