"""Make the offline install bundle: sanmin's wheel and a wheel of every dependency, with a
lock file of their SHA-256 hashes, for a server with no network (政务外网 / 内网).

    python3 deploy/bundle.py OUT            # on a machine like the server, with the registry

Run it with the same Python (3.11) and the same platform (Linux x86_64, glibc) as the server:
the wheels are the ones pip picks for the interpreter that runs this. On the server:

    python3 -m venv /opt/sanmin/venv
    /opt/sanmin/venv/bin/pip install --no-index --find-links OUT/wheels \\
        --require-hashes -r OUT/requirements.lock

`--no-index` keeps pip off every network; `--require-hashes` refuses any wheel whose bytes are
not the ones recorded here (a bundle altered on its way is caught).
"""

from __future__ import annotations

import argparse
import hashlib
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _name_and_version(wheel: Path) -> tuple[str, str]:
    """`Flask_Babel-4.0.0-py3-none-any.whl` → ("flask-babel", "4.0.0")."""
    name, version = wheel.name.split("-")[:2]
    return name.replace("_", "-").lower(), version


def make_bundle(out: Path) -> Path:
    """Fill `out` with wheels/ and requirements.lock; return the lock file's path."""
    wheels = out / "wheels"
    if wheels.exists() and any(wheels.iterdir()):
        raise SystemExit(f"{wheels} is not empty: choose a new folder")
    wheels.mkdir(parents=True, exist_ok=True)
    # Every dependency as a wheel (downloaded, or built from its source once, here), and
    # sanmin's own wheel, which carries its templates, migrations and translations.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(wheels), str(ROOT)],
        check=True,
    )
    lines = [
        f"# sanmin offline bundle: Python {platform.python_version()} on "
        f"{platform.system()} {platform.machine()}",
        "# pip install --no-index --find-links wheels --require-hashes -r requirements.lock",
    ]
    for wheel in sorted(wheels.glob("*.whl")):
        name, version = _name_and_version(wheel)
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        lines.append(f"{name}=={version} --hash=sha256:{digest}")
    lock = out / "requirements.lock"
    lock.write_text("\n".join(lines) + "\n")
    return lock


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the bundle's folder (new or empty)")
    lock = make_bundle(parser.parse_args().out)
    count = sum(1 for line in lock.read_text().splitlines() if not line.startswith("#"))
    print(f"{count} wheels and {lock}")


if __name__ == "__main__":
    main()
