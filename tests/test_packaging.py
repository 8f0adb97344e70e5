"""The wheel and the sdist carry the license text and the project's links, and require the
Click that completes ``migrate:*`` command names in zsh."""

from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return out


@pytest.mark.slow
def test_the_wheel_carries_the_license_and_the_links(built):
    (wheel,) = built.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert "MIT License" in archive.read(license_file).decode()
        (metadata_file,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = archive.read(metadata_file).decode().splitlines()
    assert "License-Expression: MIT" in metadata
    links = {
        line.split(": ", 1)[1].split(",")[0] for line in metadata if line.startswith("Project-URL")
    }
    assert links == {"Documentation", "Changes", "Source", "Issues"}
    assert "Requires-Dist: click>=8.2.2" in metadata


@pytest.mark.slow
def test_the_sdist_carries_the_license(built):
    (sdist,) = built.glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        (member,) = [m for m in archive.getmembers() if m.name.endswith("/LICENSE")]
        text = archive.extractfile(member).read().decode()
    assert "Permission is hereby granted, free of charge" in text
