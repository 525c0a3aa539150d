"""safefs and safetree on the trees a hostile run leaves: deep, sparse, linked, long-named."""

from __future__ import annotations

import errno
import os
import resource
from pathlib import Path

import pytest

from aisci.execution import safefs, safetree


def deep_tree(root: Path, levels: int) -> None:
    """``root/d/d/.../d`` ``levels`` deep, a file every 100 levels; built by descriptor so the
    path never exceeds PATH_MAX."""
    root.mkdir()
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for level in range(levels):
            os.mkdir("d", dir_fd=fd)
            if level % 100 == 0:
                os.close(os.open("f", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))
            inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)


@pytest.fixture
def tmp_path(tmp_path):
    """pytest's own, emptied by the code under test even when a test fails: pytest's cleanup
    (shutil.rmtree) recurses and cannot remove a tree 1,200 levels deep."""
    yield tmp_path
    for name in os.listdir(tmp_path):
        safefs.remove(tmp_path / name)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("levels", [1200, 5000])
def test_remove_takes_any_depth_with_few_descriptors(tmp_path, levels):
    deep_tree(tmp_path / "t", levels)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    # With 64 more descriptors than it holds now, a walk that kept one per level would fail.
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_fds() + 64, hard))
    try:
        safefs.remove(tmp_path / "t")
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    assert os.listdir(tmp_path) == []


def test_remove_below_a_root_and_of_a_file_and_a_link(tmp_path):
    deep_tree(tmp_path / "run_0", 300)
    target = tmp_path / "kept.txt"
    target.write_text("kept")
    (tmp_path / "run_0" / "link").symlink_to(target)
    safefs.remove(tmp_path / "run_0" / "link", root=tmp_path)
    assert target.read_text() == "kept" and not (tmp_path / "run_0" / "link").exists()
    safefs.remove(tmp_path / "run_0", root=tmp_path)
    safefs.remove(tmp_path / "nothing", root=tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["kept.txt"]


def test_copy_leaves_out_what_is_deeper_than_its_levels(tmp_path):
    deep_tree(tmp_path / "t", 1200)
    skipped = safefs.copy_tree(tmp_path / "t", tmp_path / "c", links="skip")
    assert [s.why for s in skipped] == ["deeper than 64 levels"]
    assert skipped[0].path.count("/d") == 65
    copied = tmp_path / "c" / Path(*["d"] * 64)
    assert copied.is_dir() and not (copied / "d").exists()
    assert (tmp_path / "c" / "f").is_file()
    safefs.remove(tmp_path / "t")
    safefs.remove(tmp_path / "c")


def sparse(path: Path, size: int) -> None:
    with open(path, "wb") as f:
        f.truncate(size)
        f.seek(size // 2)
        f.write(b"data in the middle")


def test_copy_keeps_holes_and_respects_its_byte_budget(tmp_path):
    src = tmp_path / "run_0"
    src.mkdir()
    sparse(src / "a.bin", 1 << 30)
    sparse(src / "b.bin", 1 << 30)
    skipped = safefs.copy_tree(
        src, tmp_path / "copy", links="skip", budget=safetree.Budget(bytes=1 << 30)
    )
    assert [Path(s.path).name for s in skipped] == ["b.bin"]
    assert "take the copy past its limit of 1,073,741,824 bytes" in skipped[0].why
    copied = tmp_path / "copy" / "a.bin"
    assert copied.stat().st_size == 1 << 30
    assert copied.stat().st_blocks * 512 < 1 << 20  # the hole stayed a hole
    with open(copied, "rb") as f:
        f.seek(1 << 29)
        assert f.read(18) == b"data in the middle"
    assert not (tmp_path / "copy" / "b.bin").exists()


def test_copy_stops_at_its_entry_budget_with_one_record(tmp_path):
    src = tmp_path / "run_0"
    src.mkdir()
    for i in range(30):
        (src / f"f{i:02}").write_text(str(i))
    skipped = safefs.copy_tree(
        src, tmp_path / "copy", links="skip", budget=safetree.Budget(entries=10)
    )
    assert len(os.listdir(tmp_path / "copy")) == 10
    assert len(skipped) == 1 and "limit of 10 files and folders" in skipped[0].why


def test_copy_records_links_and_special_files_or_refuses_them(tmp_path):
    src = tmp_path / "run_0"
    src.mkdir()
    (src / "ok.txt").write_text("ok")
    (src / "link").symlink_to("/etc/passwd")
    os.mkfifo(src / "fifo")
    skipped = safefs.copy_tree(src, tmp_path / "copy", links="skip")
    assert sorted(s.why for s in skipped) == [
        "it is a symbolic link (to /etc/passwd)",
        "it is not a regular file",
    ]
    assert os.listdir(tmp_path / "copy") == ["ok.txt"]
    with pytest.raises(safefs.UnsafePathError, match="fifo: it is not a regular file"):
        safefs.copy_tree(src, tmp_path / "other")


def test_a_name_at_the_limit_is_written_and_copied(tmp_path):
    name = "n" * 255  # NAME_MAX: a temporary name made from it would not fit
    safefs.write_atomic(tmp_path / "src" / name, "long", root=tmp_path)
    assert safefs.copy_tree(tmp_path / "src", tmp_path / "copy") == []
    assert (tmp_path / "copy" / name).read_text() == "long"
    assert os.listdir(tmp_path / "copy") == [name]  # no temporary file left


def test_a_name_the_file_system_refuses_is_refused_by_name(tmp_path):
    name = "n" * 256
    with pytest.raises(safefs.NameRefusedError, match="Refused the file name 'nnnn") as caught:
        safefs.write_atomic(tmp_path / name, "x", root=tmp_path)
    assert os.strerror(errno.ENAMETOOLONG) in caught.value.message
    with pytest.raises(safefs.NameRefusedError):
        safefs.read_bytes(tmp_path / name, root=tmp_path)
    assert os.listdir(tmp_path) == []


def test_a_folder_without_rights_is_removed_by_its_owner(tmp_path):
    locked = tmp_path / "t" / "locked"
    deep_tree(tmp_path / "t", 3)
    locked.mkdir()
    (locked / "inside").write_text("x")
    locked.chmod(0)
    (tmp_path / "t" / "d").chmod(0o500)
    safefs.remove(tmp_path / "t")
    assert os.listdir(tmp_path) == []


def test_read_tree_returns_files_within_budget_without_recursion(tmp_path):
    """What a Ray node sends back of a run folder."""
    deep_tree(tmp_path / "run_1", 1200)
    (tmp_path / "run_1" / "final_info.json").write_text("{}")
    sparse(tmp_path / "run_1" / "huge.bin", 1 << 30)
    (tmp_path / "run_1" / "link").symlink_to("/etc/passwd")
    for levels in (64, 65):
        (tmp_path / "run_1" / Path(*["d"] * levels) / "g").write_text(str(levels))
    found, skipped = safetree.read_tree(tmp_path / "run_1", safetree.Budget(bytes=1 << 20))
    assert found["final_info.json"] == b"{}" and found["f"] == b""
    assert found[str(Path(*["d"] * 64, "g"))] == b"64"  # 64 levels of folders, then a file
    assert "huge.bin" not in found and "link" not in found
    assert max(len(Path(p).parts) for p in found) == 65
    assert sorted(Path(s.path).name for s in skipped) == ["d", "huge.bin", "link"]
    safefs.remove(tmp_path / "run_1")


def test_records_show_control_characters_and_odd_bytes_as_data(tmp_path):
    src = tmp_path / "run_0"
    src.mkdir()
    os.symlink("\x1b]0;owned\x07", src / "x\nWARNING fake")
    (src / os.fsdecode(b"bad\xff")).symlink_to("t")
    skipped = safefs.copy_tree(src, tmp_path / "copy", links="skip")
    shown = sorted(str(s)[len(str(src)) + 1 :] for s in skipped)
    assert shown == [
        "bad\\udcff (it is a symbolic link (to t))",
        "x\\nWARNING fake (it is a symbolic link (to \\x1b]0;owned\\x07))",
    ]


def test_an_entry_gone_between_listing_and_looking_is_not_listed(tmp_path, monkeypatch):
    """Parallel tree-search nodes copy an idea folder while another thread's atomic write of
    state.json renames its temp file away: the copy must not fail on the vanished name."""
    (tmp_path / "state.json").write_text("{}")
    listed = os.listdir

    def listing_with_a_vanished_temp_file(fd: int) -> list[str]:
        return [*listed(fd), ".aisci.0123456789ab.tmp"]

    monkeypatch.setattr(safefs.os, "listdir", listing_with_a_vanished_temp_file)
    assert safefs.list_dir(tmp_path) == [("state.json", "file")]
