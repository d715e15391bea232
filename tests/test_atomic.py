"""Outputs are written atomically: a failure keeps the previous file and leaves no temp files."""

import pytest

from minshi_geo.atomic import atomic_dir, atomic_path, write_text


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "a.txt"
    write_text(target, "old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_dir_moves_everything_or_nothing(tmp_path):
    out = tmp_path / "out"
    with atomic_dir(out) as tmp:
        (tmp / "x.csv").write_text("1")
        (tmp / "sub").mkdir()
        (tmp / "sub" / "y.csv").write_text("2")
    assert (out / "x.csv").read_text() == "1" and (out / "sub" / "y.csv").read_text() == "2"
    with pytest.raises(ValueError):
        with atomic_dir(out) as tmp:
            (tmp / "x.csv").write_text("new")
            raise ValueError("fail midway")
    assert (out / "x.csv").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_atomic_dir_into_a_new_folder_is_one_rename(tmp_path):
    out = tmp_path / "new"
    with atomic_dir(out) as tmp:
        (tmp / "a.csv").write_text("1")
        assert not out.exists()  # nothing visible until the run is complete
    assert (out / "a.csv").read_text() == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new"]


def test_atomic_dir_keeps_files_the_run_does_not_produce(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with atomic_dir(out) as tmp:
        (tmp / "a.csv").write_text("1")
    assert (out / "notes.txt").read_text() == "mine" and (out / "a.csv").read_text() == "1"


def test_written_files_and_folders_follow_the_umask(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        write_text(tmp_path / "map.html", "<p>")
        with atomic_dir(tmp_path / "sheets") as tmp:
            (tmp / "a.xlsx").write_text("x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "map.html").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "sheets").stat().st_mode) == 0o755
