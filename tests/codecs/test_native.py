"""The optional native modules: loaded where built, None otherwise."""

import pytest

from sigmalang.codecs import native


def test_a_module_that_was_not_built_is_none():
    assert native.optional("_no_such_native_module") is None


def test_a_built_module_is_the_package_s_own():
    module = native.optional("_shuffle")
    if module is None:
        pytest.skip("installed without a C compiler: no native modules")
    assert module.__name__ == "sigmalang.codecs._shuffle" and callable(module.unshuffle)
