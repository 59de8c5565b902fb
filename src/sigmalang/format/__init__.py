"""Format v1: glyphs, LEB128, the push parser, INDEX, limits and inspection (docs/FORMAT.md)."""
