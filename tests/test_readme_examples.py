"""The README's integration examples run as they are written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def section_examples(heading: str) -> list[str]:
    """The ```python blocks of the README section that starts with ``heading``."""
    text = README.read_text()
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return re.findall(r"```python\n(.*?)```", text[start : end if end != -1 else None], re.S)


EXAMPLES = section_examples("## Integrations")


def test_the_section_has_examples() -> None:
    assert len(EXAMPLES) >= 4


def test_examples_run(tmp_path: Path) -> None:
    """All in one interpreter (one start-up), each in its own namespace, in an empty folder."""
    pytest.importorskip("zarr")
    script = "\n".join(f"print('example {i}', flush=True)\nexec({code!r}, {{}})" for i, code in enumerate(EXAMPLES))
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
