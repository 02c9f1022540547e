"""A real IMAP server for the mailbox poller's tests: Debian's dovecot, run
from a configuration of its own in a temporary directory, listening on a
free loopback port, with one user and a plain password.

Run by an unprivileged user, dovecot runs every process as that user.  Run
by root (as in CI), it refuses to serve mail or logins as root, so its
login, internal and mail processes run as ``nobody``, who is given the mail
directory.  Without dovecot the tests are skipped, and under ``CI=true``
they fail, saying how to install it (``.ci/run`` does).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DOVECOT_PATHS = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
START_SECONDS = 15
USER = "practice"
PASSWORD = "test-only-mailbox-password"  # noqa: S105 (a throwaway test server)
UNPRIVILEGED = "nobody"

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/state
log_path = {base}/dovecot.log
info_log_path = {base}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
mail_location = maildir:{base}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/users
  default_fields = uid={uid} gid={gid} home={base}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
{login_chroot}}}
{anvil}"""
# Only root may chroot: unprivileged, the login and anvil processes do not.
UNCHROOTED_LOGIN = "  chroot =\n"
UNCHROOTED_ANVIL = "service anvil {\n  chroot =\n}\n"


class DovecotMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    directory: Path

    def log_tail(self, lines: int = 20) -> str:
        log = self.directory / "dovecot.log"
        if not log.exists():
            return "(no log)"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or next(
        (path for path in DOVECOT_PATHS if os.access(path, os.X_OK)), None
    )
    if found is None:
        raise DovecotMissing(
            "dovecot is not installed: the mailbox tests need a real IMAP server. "
            "Install it with `apt-get install dovecot-imapd` (.ci/run does)."
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
            return conn.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _process_user() -> tuple[str, str, int, int]:
    """(user, group, uid, gid) that dovecot's processes run as."""
    if os.geteuid() == 0:
        entry = pwd.getpwnam(UNPRIVILEGED)
    else:
        entry = pwd.getpwuid(os.geteuid())
    group = grp.getgrgid(entry.pw_gid).gr_name
    return entry.pw_name, group, entry.pw_uid, entry.pw_gid


def _configured(base: Path, port: int) -> Path:
    user, group, uid, gid = _process_user()
    for name in ("run", "state", "mail"):
        (base / name).mkdir()
    root = os.geteuid() == 0
    if root:
        # The mail processes run as ``nobody``: let them reach and own the mail.
        base.chmod(0o711)
        os.chown(base / "mail", uid, gid)
    (base / "users").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
    (base / "users").chmod(0o644)
    config = base / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            base=base,
            user=user,
            group=group,
            uid=uid,
            gid=gid,
            port=port,
            login_chroot="" if root else UNCHROOTED_LOGIN,
            anvil="" if root else UNCHROOTED_ANVIL,
        )
    )
    return config


def _stopped(binary: str, config: Path, base: Path) -> None:
    subprocess.run(  # noqa: S603 (our own binary and configuration)
        [binary, "-c", str(config), "stop"],
        check=False,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pid_file = base / "run" / "master.pid"
    deadline = time.monotonic() + 5
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if pid_file.exists():
        with contextlib.suppress(ValueError, ProcessLookupError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)


@contextlib.contextmanager
def running() -> Iterator[Server]:
    """A dovecot of its own, stopped and removed on exit."""
    binary = dovecot_binary()
    # Short and under /tmp: dovecot's sockets live in it (a socket's path is
    # limited to about 100 characters).
    base = Path(tempfile.mkdtemp(prefix="between-dovecot-"))
    port = _free_port()
    config = _configured(base, port)
    server = Server("127.0.0.1", port, USER, PASSWORD, base)
    try:
        # The daemon keeps its standard streams: a file, not a pipe to wait on.
        errors = base / "start.err"
        with errors.open("w") as stream:
            started = subprocess.run(  # noqa: S603 (our own binary and configuration)
                [binary, "-c", str(config)],
                check=False,
                stdin=subprocess.DEVNULL,
                stdout=stream,
                stderr=stream,
            )
        if started.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {errors.read_text().strip()}")
        deadline = time.monotonic() + START_SECONDS
        while not _answers(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"dovecot does not answer:\n{server.log_tail()}")
            time.sleep(0.05)
        yield server
    finally:
        _stopped(binary, config, base)
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def session(server: Server) -> Iterator[imaplib.IMAP4]:
    imap = imaplib.IMAP4(server.host, server.port, timeout=10)
    try:
        imap.login(server.user, server.password)
        yield imap
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            imap.logout()


def folder_created(server: Server, name: str) -> None:
    with session(server) as imap:
        typ, _ = imap.create(name)
        assert typ == "OK", f"could not create folder {name}"


def folder_renumbered(server: Server, name: str) -> None:
    """Delete the folder and make it again: the server gives the new one
    another UIDVALIDITY, as after a server's rebuild."""
    with session(server) as imap:
        assert imap.delete(name)[0] == "OK"
        assert imap.create(name)[0] == "OK"


def uid_validity(server: Server, name: str) -> int:
    with session(server) as imap:
        imap.select(name, readonly=True)
        _, values = imap.response("UIDVALIDITY")
        return int(values[0])


def appended(
    server: Server, folder: str, message: bytes, date_time: dt.datetime | None = None
) -> None:
    """Put ``message`` (CRLF line ends) into ``folder``, as delivery would;
    ``date_time`` is its arrival time (INTERNALDATE), now if not given."""
    with session(server) as imap:
        arrived = imaplib.Time2Internaldate(date_time) if date_time else ""
        answer = imap.append(folder, "", arrived, message)
        assert answer[0] == "OK", "the server refused the message"
