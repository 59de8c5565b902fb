"""Builds the one native module; everything else is in pyproject.toml.

The module (``sigmalang.codecs._cutter``) is optional: without a C compiler
the install still succeeds and ``codecs/blocks.py`` uses its numpy path,
which finds the same block boundaries, slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("sigmalang.codecs._cutter", ["src/sigmalang/codecs/_cutter.c"], optional=True)])
