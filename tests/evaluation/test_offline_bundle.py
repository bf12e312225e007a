"""The offline install (README, Production): the bundle made where the registry is reachable
installs in a fresh virtual environment with pip kept off every network, and the demo runs
from it; a wheel whose bytes differ from the lock file is refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import on_postgresql

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(on_postgresql(), reason="packaging is tested on SQLite")


def _offline() -> dict[str, str]:
    """The environment of a server without network: no pip configuration, no index, and any
    connection attempt sent to a closed port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "SANMIN_"))}
    dead = "http://127.0.0.1:9"
    return env | {
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "http_proxy": dead,
        "https_proxy": dead,
        "HTTP_PROXY": dead,
        "HTTPS_PROXY": dead,
    }


def test_the_bundle_installs_without_network_and_runs_the_demo(tmp_path):
    bundle = tmp_path / "bundle"
    made = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "bundle.py"), str(bundle)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    lock = (bundle / "requirements.lock").read_text().splitlines()
    pinned = [line for line in lock if not line.startswith("#")]
    assert any(line.startswith("sanmin==") for line in pinned)
    assert all("==" in line and "--hash=sha256:" in line for line in pinned)
    assert {p.split("==")[0] for p in pinned} >= {"flask", "sqlalchemy", "scipy", "pynacl"}

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    offline = _offline()
    # A wheel that is not the one locked is refused before anything is installed.
    sanmin_wheel = next((bundle / "wheels").glob("sanmin-*.whl"))
    forged = tmp_path / "forged.lock"
    forged.write_text(f"sanmin==0 --hash=sha256:{'0' * 64}\n")
    refused = subprocess.run(
        [*pip, "--no-deps", "--find-links", str(sanmin_wheel.parent)]
        + ["--require-hashes", "-r", str(forged)],
        env=offline,
        capture_output=True,
        text=True,
    )
    assert refused.returncode != 0
    assert not list((venv / "lib").rglob("evaluation/__init__.py"))

    # The README's install line, with no network.
    installed = subprocess.run(
        [*pip, "--no-index", "--find-links", str(bundle / "wheels")]
        + ["--require-hashes", "-r", str(bundle / "requirements.lock")],
        env=offline,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    demo = subprocess.run(
        [str(venv / "bin" / "sanmin"), "demo", "--no-serve"],
        cwd=tmp_path,
        env=offline,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "sanmin-demo" in demo.stdout and (tmp_path / "instance" / "sanmin.sqlite3").is_file()
