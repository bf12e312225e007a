"""A plain install of the wheel works: templates, migrations, translations and static files
come inside the package, and everything the app writes lands under the directory it runs in
(SANMIN_INSTANCE_PATH, by default ./instance), never inside the installed package."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.conftest import on_postgresql
from tests.invariants.test_nothing_lost import _free_port

ROOT = Path(__file__).resolve().parents[2]
# Packaging does not depend on the database: it runs once, in the SQLite pass.
pytestmark = pytest.mark.skipif(on_postgresql(), reason="packaging is tested on SQLite")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q"] + ["-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("sanmin-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed; its dependencies are this
    environment's (a path entry, so the checkout's editable install is not seen)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel)],
        check=True,
        capture_output=True,
    )
    return venv


def _environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SANMIN_", "FLASK_"))}
    return env | settings


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if "__pycache__" not in p.parts}


def test_the_wheel_holds_templates_migrations_translations_and_static_files(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for path in (
        "evaluation/templates/base.html",
        "evaluation/templates/ballots/vote.html",
        "evaluation/migrations/env.py",
        "evaluation/migrations/alembic.ini",
        "evaluation/translations/en/LC_MESSAGES/messages.mo",
        "evaluation/static/style.css",
    ):
        assert path in names
    templates = {p.relative_to(ROOT / "templates") for p in (ROOT / "templates").rglob("*.html")}
    shipped = {Path(n).relative_to("evaluation/templates") for n in names if "/templates/" in n}
    assert templates == shipped
    migrations = {p.name for p in (ROOT / "migrations" / "versions").glob("*.py")}
    assert migrations <= {Path(n).name for n in names if "/migrations/versions/" in n}


def test_demo_and_serve_from_the_installed_wheel_write_only_where_they_run(installed, tmp_path):
    python, sanmin = installed / "bin" / "python", installed / "bin" / "sanmin"
    where = subprocess.run(
        [str(python), "-c", "import evaluation; print(evaluation.__file__)"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    package = Path(where.strip()).parent
    assert package.is_relative_to(installed)  # the wheel's copy, not the checkout
    before = _files(installed)
    env = _environment()

    demo = subprocess.run(
        [str(sanmin), "demo", "--no-serve"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "sanmin-demo" in demo.stdout
    assert (tmp_path / "instance" / "sanmin.sqlite3").is_file()
    assert (tmp_path / "instance" / "secret_key").is_file()

    port = _free_port()
    log = tmp_path / "serve.log"
    server = subprocess.Popen(
        [str(sanmin), "serve", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        pages = {}
        deadline = time.monotonic() + 60
        for path in ("/healthz", "/", "/boxes/", "/static/style.css"):
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                        pages[path] = (r.status, r.read().decode())
                        break
                except OSError:
                    assert time.monotonic() < deadline, log.read_text()[-3000:]
                    time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert all(status == 200 for status, _ in pages.values())
    assert "三民" in pages["/"][1] and "投票箱" in pages["/boxes/"][1]

    # Nothing was written inside the installed environment: no instance folder, no key, no
    # database, no attachment (compiled bytecode aside).
    assert _files(installed) == before
    assert not (package / "instance").exists()
