"""Start a throwaway PostgreSQL server from the machine's packages (Debian's postgresql)."""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_bindir() -> Path:
    """Where initdb and pg_ctl live (the newest installed major version)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1])
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (see .ci/run)")


def _as_postgres_user(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as the 'postgres' system user then."""
    if os.geteuid() != 0:
        return command
    pwd.getpwnam("postgres")
    return ["runuser", "-u", "postgres", "--", *command]


_data_dirs: dict[str, Path] = {}  # URL -> data directory of the servers started here


def restart_postgres(url: str) -> None:
    """Crash-restart the server of `url` (``pg_ctl restart -m immediate``), as a host would."""
    data = _data_dirs[url]
    pg_ctl = str(postgres_bindir() / "pg_ctl")
    log = str(data.parent / "server.log")  # the new server must not hold our pipes open
    subprocess.run(
        _as_postgres_user([pg_ctl, "-D", str(data), "-l", log, "-m", "immediate", "-w", "restart"]),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )


@contextmanager
def running_postgres(*, durable: bool = False) -> Iterator[str]:
    """A server on a free loopback port; yields a SQLAlchemy URL of an empty database.

    Tuned for tests (no fsync, asynchronous commit). `durable` keeps synchronous commit, so
    a committed transaction survives a crash of the server (not of the machine)."""
    given = os.environ.get("PARTNERFLEET_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    bindir = postgres_bindir()
    root = Path(tempfile.mkdtemp(prefix="pf-pg-"))
    data = root / "data"
    port = free_port()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")

    def run(*cmd: object) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            _as_postgres_user([str(c) for c in cmd]), check=True, capture_output=True, text=True
        )

    try:
        run(
            bindir / "initdb",
            "-D",
            data,
            "-A",
            "trust",
            "-U",
            "partnerfleet",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale",
            "C",
        )
        run(
            bindir / "pg_ctl",
            "-D",
            data,
            "-w",
            "-t",
            "60",
            "-l",
            root / "server.log",
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
            f"-c synchronous_commit={'on' if durable else 'off'} -c full_page_writes=off "
            "-c max_connections=200",
            "start",
        )
        run(
            bindir / "createdb", "-h", "127.0.0.1", "-p", port, "-U", "partnerfleet", "partnerfleet"
        )
        url = f"postgresql+psycopg://partnerfleet@127.0.0.1:{port}/partnerfleet"
        _data_dirs[url] = data
        yield url
    except subprocess.CalledProcessError as error:
        raise RuntimeError(f"starting PostgreSQL failed: {error.cmd}: {error.stderr}") from None
    finally:
        subprocess.run(
            _as_postgres_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)
