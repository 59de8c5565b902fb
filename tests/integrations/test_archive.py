"""``.tar.sgl`` archives with the real tar (``-I sigmalang``), tarfile and shutil."""

from __future__ import annotations

import io
import os
import pwd
import shutil
import stat
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import sigmalang
from sigmalang.corpus import mixed

TAR = shutil.which("tar")
needs_tar = pytest.mark.skipif(TAR is None, reason="no tar on this machine")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A small folder: text, binary, an empty file, a subfolder, an executable and a symbolic link."""
    root = tmp_path / "project"
    (root / "src" / "deep").mkdir(parents=True)
    (root / "notes.txt").write_bytes(b"\n".join(b"line %d" % i for i in range(20_000)))
    (root / "src" / "data.bin").write_bytes(mixed(400_000, seed=9))
    (root / "src" / "deep" / "empty").write_bytes(b"")
    run = root / "run.sh"
    run.write_text("#!/bin/sh\necho hi\n")
    run.chmod(0o755)
    (root / "link").symlink_to("notes.txt")
    return root


def snapshot(root: Path) -> dict[str, tuple[str, bytes | str, int]]:
    """Every entry under ``root``: kind, content (or link target) and permission bits."""
    entries: dict[str, tuple[str, bytes | str, int]] = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        name = path.relative_to(root).as_posix()
        if stat.S_ISLNK(info.st_mode):
            entries[name] = ("link", os.readlink(path), 0)
        elif stat.S_ISDIR(info.st_mode):
            entries[name] = ("dir", b"", stat.S_IMODE(info.st_mode))
        else:
            entries[name] = ("file", path.read_bytes(), stat.S_IMODE(info.st_mode))
    return entries


@pytest.fixture
def tar_env(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH finds ``sigmalang`` (this interpreter's) before anything else."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "sigmalang"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sigmalang.cli.main "$@"\n')
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def tar(*args: str | os.PathLike[str], env: dict[str, str], cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    assert TAR is not None
    return subprocess.run([TAR, *map(str, args)], env=env, cwd=cwd, input=input, capture_output=True, timeout=120,
                          stdin=None if input is not None else subprocess.DEVNULL)


def member_names(archive: Path) -> list[str]:
    """Names in a .tar.sgl, read as a stream (no seeking) through sigmalang.open."""
    with sigmalang.open(archive, "rb") as packed, tarfile.open(fileobj=packed, mode="r|") as archive_file:
        return [member.name for member in archive_file]


# -- tar -I sigmalang / --use-compress-program ------------------------------------
@needs_tar
@pytest.mark.parametrize("option", [["-I", "sigmalang"], ["--use-compress-program=sigmalang"], ["-I", "sigmalang -9 -T1"]],
                         ids=["-I", "use-compress-program", "with-options"])
def test_tar_creates_lists_and_extracts(tree: Path, tmp_path: Path, tar_env: dict[str, str], option: list[str]) -> None:
    archive = tmp_path / "p.tar.sgl"
    created = tar(*option, "-cf", archive, "project", env=tar_env, cwd=tree.parent)
    assert created.returncode == 0, created.stderr
    assert archive.read_bytes()[:4] == b"\xce\xa3LG"
    listed = tar(*option, "-tf", archive, env=tar_env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert {name.rstrip("/") for name in listed.stdout.decode().split()} == {"project", *(f"project/{n}" for n in snapshot(tree))}
    out = tmp_path / "out"
    out.mkdir()
    extracted = tar(*option, "-xf", archive, "-C", out, env=tar_env, cwd=tmp_path)
    assert extracted.returncode == 0, extracted.stderr
    assert snapshot(out / "project") == snapshot(tree)


@needs_tar
def test_tar_reads_the_archive_from_a_pipe(tree: Path, tmp_path: Path, tar_env: dict[str, str]) -> None:
    """tar -xf - hands sigmalang -d a pipe, not a file: nothing to seek, no INDEX read first."""
    created = tar("-I", "sigmalang", "-cf", "-", "project", env=tar_env, cwd=tree.parent)
    assert created.returncode == 0, created.stderr
    out = tmp_path / "piped"
    out.mkdir()
    extracted = tar("-I", "sigmalang", "-xf", "-", "-C", out, env=tar_env, cwd=tmp_path, input=created.stdout)
    assert extracted.returncode == 0, extracted.stderr
    assert snapshot(out / "project") == snapshot(tree)


@needs_tar
def test_tar_reports_a_damaged_archive_with_its_offset(tree: Path, tmp_path: Path, tar_env: dict[str, str]) -> None:
    archive = tmp_path / "bad.tar.sgl"
    assert tar("-I", "sigmalang", "-cf", archive, "project", env=tar_env, cwd=tree.parent).returncode == 0
    blob = bytearray(archive.read_bytes())
    blob[len(blob) // 2] ^= 0x08
    archive.write_bytes(bytes(blob))
    out = tmp_path / "out"
    out.mkdir()
    result = tar("-I", "sigmalang", "-xf", archive, "-C", out, env=tar_env, cwd=tmp_path)
    assert result.returncode != 0
    assert b"sigmalang: <stdin>:" in result.stderr and b"byte offset" in result.stderr


@needs_tar
def test_tarfile_streams_what_tar_wrote(tree: Path, tmp_path: Path, tar_env: dict[str, str]) -> None:
    archive = tmp_path / "t.tar.sgl"
    assert tar("-I", "sigmalang", "-cf", archive, "project", env=tar_env, cwd=tree.parent).returncode == 0
    with sigmalang.open(archive, "rb") as packed, tarfile.open(fileobj=packed, mode="r|") as archive_file:
        for member in archive_file:
            if member.name == "project/src/data.bin":
                extracted = archive_file.extractfile(member)
                assert extracted is not None
                assert extracted.read() == (tree / "src" / "data.bin").read_bytes()
                break
        else:
            pytest.fail("project/src/data.bin not in the archive")


@needs_tar
def test_tar_reads_what_tarfile_wrote(tree: Path, tmp_path: Path, tar_env: dict[str, str]) -> None:
    archive = tmp_path / "py.tar.sgl"
    with sigmalang.open(archive, "wb") as packed, tarfile.open(fileobj=packed, mode="w|") as archive_file:
        archive_file.add(tree, "project")
    out = tmp_path / "out"
    out.mkdir()
    result = tar("--use-compress-program=sigmalang", "-xf", archive, "-C", out, env=tar_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot(out / "project") == snapshot(tree)


def test_tarfile_random_access_uses_the_index(tree: Path, tmp_path: Path) -> None:
    """Mode "r:" seeks back and forth; sigmalang.open seeks through the INDEX."""
    archive = tmp_path / "seek.tar.sgl"
    with sigmalang.open(archive, "wb") as packed, tarfile.open(fileobj=packed, mode="w|") as archive_file:
        archive_file.add(tree, "project")
    with sigmalang.open(archive, "rb") as packed, tarfile.open(fileobj=packed, mode="r:") as archive_file:
        names = archive_file.getnames()
        notes = archive_file.extractfile("project/notes.txt")
        assert notes is not None and notes.read() == (tree / "notes.txt").read_bytes()
        data = archive_file.extractfile("project/src/data.bin")
        assert data is not None and data.read() == (tree / "src" / "data.bin").read_bytes()
    assert names == member_names(archive)


# -- shutil ---------------------------------------------------------------------
def test_shutil_knows_the_format_after_import() -> None:
    assert ("sgltar", "sigmalang'ed tar-file") in shutil.get_archive_formats()
    assert ("sgltar", [".tar.sgl"], "sigmalang'ed tar-file") in shutil.get_unpack_formats()


def test_make_archive_and_unpack_archive_round_trip(tree: Path, tmp_path: Path) -> None:
    made = shutil.make_archive(str(tmp_path / "backups" / "p"), "sgltar", root_dir=tree.parent, base_dir="project")
    assert made == str(tmp_path / "backups" / "p.tar.sgl")
    assert member_names(Path(made))[0] == "project"
    out = tmp_path / "restored"
    shutil.unpack_archive(made, out)  # format found from the .tar.sgl suffix
    assert snapshot(out / "project") == snapshot(tree)



def test_make_archive_from_the_current_folder(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree)
    made = shutil.make_archive("../here", "sgltar")
    assert made == "../here.tar.sgl"
    out = tmp_path / "here"
    shutil.unpack_archive(tmp_path / "here.tar.sgl", out, format="sgltar")
    assert snapshot(out) == snapshot(tree)


@needs_tar
def test_tar_extracts_what_make_archive_made(tree: Path, tmp_path: Path, tar_env: dict[str, str]) -> None:
    made = shutil.make_archive(str(tmp_path / "m"), "sgltar", root_dir=tree)
    out = tmp_path / "x"
    out.mkdir()
    result = tar("-I", "sigmalang", "-xf", made, "-C", out, env=tar_env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot(out) == snapshot(tree)


def test_make_archive_sets_owner_and_group(tree: Path, tmp_path: Path) -> None:
    me = pwd.getpwuid(os.getuid()).pw_name
    made = shutil.make_archive(str(tmp_path / "o"), "sgltar", root_dir=tree, owner=me, group="no-such-group-here")
    with sigmalang.open(made, "rb") as packed, tarfile.open(fileobj=packed, mode="r|") as archive_file:
        members = list(archive_file)
    assert {(m.uname, m.uid) for m in members} == {(me, os.getuid())}
    assert {m.gname for m in members} == {"no-such-group-here"}


def test_failed_make_archive_leaves_no_partial_archive(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    add = tarfile.TarFile.add

    def add_then_fail(self: tarfile.TarFile, *args: object, **kwargs: object) -> None:
        add(self, *args, **kwargs)  # type: ignore[arg-type]
        raise OSError(28, "No space left on device")  # the disk fills up after the members are written

    monkeypatch.setattr(tarfile.TarFile, "add", add_then_fail)
    with pytest.raises(OSError, match="No space"):
        shutil.make_archive(str(tmp_path / "f"), "sgltar", root_dir=tree)
    assert not (tmp_path / "f.tar.sgl").exists()


def test_make_archive_dry_run_writes_nothing(tree: Path, tmp_path: Path) -> None:
    made = shutil.make_archive(str(tmp_path / "dry"), "sgltar", root_dir=tree, dry_run=True)
    assert made.endswith("dry.tar.sgl") and not Path(made).exists()


@pytest.mark.skipif(not hasattr(tarfile, "data_filter"), reason="tarfile without extraction filters")
def test_unpack_refuses_members_outside_the_target_by_default(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.sgl"
    with sigmalang.open(archive, "wb") as packed, tarfile.open(fileobj=packed, mode="w|") as archive_file:
        info = tarfile.TarInfo("../escaped.txt")
        info.size = 4
        archive_file.addfile(info, io.BytesIO(b"evil"))
    with pytest.raises(tarfile.FilterError):
        shutil.unpack_archive(archive, tmp_path / "target")
    assert not (tmp_path / "escaped.txt").exists()


def test_unpack_of_a_non_tar_stream_is_a_read_error(tmp_path: Path) -> None:
    archive = tmp_path / "plain.tar.sgl"
    archive.write_bytes(sigmalang.compress(b"not a tar archive at all " * 100))
    with pytest.raises(shutil.ReadError, match="plain.tar.sgl"):
        shutil.unpack_archive(archive, tmp_path / "out")


def test_unpack_of_damaged_data_names_the_offset(tree: Path, tmp_path: Path) -> None:
    made = Path(shutil.make_archive(str(tmp_path / "d"), "sgltar", root_dir=tree))
    blob = bytearray(made.read_bytes())
    blob[len(blob) // 3] ^= 0x01
    made.write_bytes(bytes(blob))
    with pytest.raises(sigmalang.FormatError) as caught:
        shutil.unpack_archive(made, tmp_path / "out")
    assert caught.value.offset is not None
