"""The library's floors (``[tool.importlinter]`` in pyproject.toml): no module imports from its own floor or one
above it, whether at the top of the file or inside a function, and every module stands on a floor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is in the dev extra")


def lint(package_parent: Path, config: Path) -> subprocess.CompletedProcess:
    """lint-imports on the ``cooccur`` package found first on the path from ``package_parent``."""
    return subprocess.run([str(LINT), "--config", str(config), "--no-cache"], cwd=package_parent,
                          env={"PYTHONPATH": str(package_parent), "PATH": ""}, capture_output=True, text=True)


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "src" / "cooccur", tmp_path / "cooccur", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_library_keeps_its_floors():
    done = lint(ROOT / "src", ROOT / "pyproject.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    ("flow.py", "from cooccur import sweep\n", "cooccur.flow is not allowed to import cooccur.sweep"),
    # hidden in a function, as the old circles were
    ("experiment.py", "def _late():\n    from cooccur.claims import check_all\n",
     "cooccur.experiment is not allowed to import cooccur.claims"),
    # two modules of one floor
    ("report.py", "from cooccur import parameters\n", "cooccur.report is not allowed to import cooccur.parameters"),
])
def test_a_climbing_import_breaks_the_contract(tmp_path, module, line, broken):
    parent = copy_of_the_package(tmp_path)
    with open(parent / "cooccur" / module, "a") as f:
        f.write("\n\n" + line)
    done = lint(parent, parent / "pyproject.toml")
    assert done.returncode == 1 and broken in done.stdout, done.stdout + done.stderr


def test_a_module_on_no_floor_breaks_the_contract(tmp_path):
    parent = copy_of_the_package(tmp_path)
    (parent / "cooccur" / "newcomer.py").write_text('"""A module nobody placed."""\n')
    done = lint(parent, parent / "pyproject.toml")
    assert done.returncode == 1 and "cooccur.newcomer" in done.stdout, done.stdout + done.stderr


def book_code(chapter: Path) -> list[str]:
    """The code lines of a chapter: lines of its code cells that are neither blank nor comments."""
    lines, in_code = [], False
    for line in chapter.read_text(encoding="utf-8").splitlines():
        if line.startswith("# %%"):
            in_code = "[markdown]" not in line
        elif in_code and line.strip() and not line.lstrip().startswith("#"):
            lines.append(line)
    return lines


#: The book's code lines today, a ceiling that only comes down (issue 26 asks for 450): analysis belongs in the
#: library, where it is named and tested, and a chapter reads as prose with one call per result.
BOOK_CODE_CEILING = 404


def test_the_book_defines_no_function_and_its_code_only_shrinks():
    chapters = sorted((ROOT / "book").glob("*.py"))
    code = {chapter.stem: book_code(chapter) for chapter in chapters}
    defined = [f"{name}: {line.strip()}" for name, lines in code.items() for line in lines
               if line.lstrip().startswith(("def ", "class ", "async def "))]
    assert not defined, f"a function or class defined in the book (move it to the library): {defined}"
    total = sum(len(lines) for lines in code.values())
    assert total <= BOOK_CODE_CEILING, f"the book has {total} code lines, above its ceiling {BOOK_CODE_CEILING}"
