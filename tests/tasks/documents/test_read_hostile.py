"""Hostile local inputs: each refused with a reason, never followed, opened or hung on."""

import os

from tasks.documents.article import article_from_file
from tasks.documents.read import MAX_FILE_BYTES, InputFile, discover_files, read_input
from tests.conftest import SEEDS


def reasons(failures):
    return {f.source_uri.rsplit("/", 1)[-1]: f.reason for f in failures}


def test_symlinks_out_of_the_folder_fifos_and_devices_are_refused(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("date 2023-09-13\nTexte secret hors du dossier d'entrée.\n")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text((SEEDS / next(p.name for p in SEEDS.iterdir())).read_text())
    (folder / "leak.txt").symlink_to(outside / "secret.txt")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "linked-dir").symlink_to(outside, target_is_directory=True)
    os.mkfifo(folder / "pipe.txt")
    (folder / "inside.txt").symlink_to(folder / "ok.txt")     # a link that stays inside is fine

    items, failures = discover_files([str(folder)])
    assert [os.path.basename(i.path) for i in items] == ["ok.txt"]
    got = reasons(failures)
    assert got["leak.txt"] == got["passwd.txt"] == got["zero.txt"] == "outside the input folder"
    assert got["pipe.txt"] == "not a regular file"
    assert "secret.txt" not in got     # the linked directory is not walked into either


def test_paths_outside_the_input_root_are_refused(tmp_path):
    root = tmp_path / "data"
    (root / "in").mkdir(parents=True)
    escaping = str(root / "in" / ".." / ".." )
    items, failures = discover_files([escaping, "/etc"], root=root)
    assert items == [] and [f.reason for f in failures] == ["outside the input root"] * 2


def test_a_fifo_swapped_in_after_discovery_does_not_block(tmp_path):
    path = tmp_path / "late.txt"
    os.mkfifo(path)
    result = read_input(InputFile("files:x", str(path)))      # returns at once (non-blocking open)
    assert result.reason == "not a regular file"


def test_nul_bytes_and_huge_files(tmp_path):
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"Un texte\x00avec des octets nuls\x00" * 20)
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as fh:                       # sparse: costs no disk
        fh.truncate(MAX_FILE_BYTES + 1)
    assert article_from_file(InputFile("files:x", str(nul))).reason == "undecodable bytes"
    assert article_from_file(InputFile("files:x", str(huge))).reason == "file too large"
