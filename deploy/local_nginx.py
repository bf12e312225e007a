"""Debian's nginx with the shipped configuration (deploy/nginx), on loopback in plain HTTP, in
front of a `sanmin serve`: what the tests and the load benchmark run through.

Only the site values change: the gunicorn address, the static folder, the log folder; the
TLS server block is left out (the test has no certificate). Everything else is the file an
operator copies to /etc/nginx.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent / "nginx"
STATIC = Path(__file__).resolve().parents[1] / "evaluation" / "static"
# The placeholders in the shipped files, each replaced for the local run.
UPSTREAM = "server 127.0.0.1:8000;"
STATIC_ALIAS = "/opt/sanmin/venv/lib/python3.11/site-packages/evaluation/static/"
ACCESS_LOG = "/var/log/nginx/sanmin.access.log"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise RuntimeError(f"the shipped nginx configuration lost its placeholder {old!r}")
    return text.replace(old, new)


def start_nginx(upstream_port: int, folder: Path) -> tuple[int, subprocess.Popen]:
    """nginx in the foreground on a free loopback port, proxying to 127.0.0.1:upstream_port;
    returns its port once /healthz answers through it."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    http = _replace(
        (HERE / "sanmin-http.conf").read_text(), UPSTREAM, f"server 127.0.0.1:{upstream_port};"
    )
    locations = (HERE / "sanmin-locations.conf").read_text()
    locations = _replace(locations, STATIC_ALIAS, f"{STATIC}/")
    locations = _replace(locations, ACCESS_LOG, str(folder / "access.log"))
    (folder / "sanmin-http.conf").write_text(http)
    (folder / "sanmin-locations.conf").write_text(locations)
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        f"""{"user root;" if os.geteuid() == 0 else ""}
worker_processes 2;
daemon off;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 2048; }}
http {{
    include /etc/nginx/mime.types;
{temp}
    include {folder / "sanmin-http.conf"};
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include {folder / "sanmin-locations.conf"};
    }}
}}
"""
    )
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(folder / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=(folder / "stderr.log").open("w"),
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return port, process
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            errors = (folder / "stderr.log").read_text() + (folder / "error.log").read_text()
            raise RuntimeError(f"nginx did not come up: {errors[-2000:]}")
        time.sleep(0.1)


def stop_nginx(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)
