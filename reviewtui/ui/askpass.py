"""Hand ssh-keygen the passphrase the reviewer typed into the TUI: no terminal, no file, no environment variable.

While Textual owns the terminal, ssh-keygen must never read it: it would compete with Textual for keystrokes and
the reviewer would type their passphrase into the diff view. So every signature made from the TUI runs inside
`askpass(...)`, which sets

- `SSH_ASKPASS_REQUIRE=force`, so ssh-keygen asks through `SSH_ASKPASS` and never opens /dev/tty, and
- `SSH_ASKPASS` to a tiny helper script that connects to a Unix socket and prints what it receives.

A thread of the TUI listens on that socket, inside a fresh temporary directory only the user can enter (0700), and
answers exactly one request, and only a passphrase request, with the passphrase the reviewer typed into a password
field of the confirmation dialog. The helper script holds no secret; the passphrase only ever travels through the
socket, so it is never written to disk and never placed in an environment (other child processes, and
/proc/PID/environ, would see it). The directory is removed when signing ends, whatever the outcome.

With no passphrase given the listener refuses, the helper exits non-zero and ssh-keygen fails cleanly ("incorrect
passphrase"), which the TUI reports by asking for the passphrase. Keys held by ssh-agent never get that far.

The environment change is process-wide, so signatures are serialised by a lock. Other subprocesses started
meanwhile (git, in a background worker) inherit the two variables but never ask for a passphrase; if one ever did,
the one-answer rule and the prompt check keep the secret for ssh-keygen's own request.
"""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SOCKET_ENV = "REVIEWTUI_ASKPASS_SOCKET"
_VARIABLES = ("SSH_ASKPASS", "SSH_ASKPASS_REQUIRE", SOCKET_ENV)
_LOCK = threading.Lock()

_HELPER = """\
import os, socket, sys
prompt = (sys.argv[1] if len(sys.argv) > 1 else "").encode("utf-8", "replace")[:1024]
data = b""
try:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(30)
        conn.connect(os.environ["REVIEWTUI_ASKPASS_SOCKET"])
        conn.sendall(prompt.replace(b"\\n", b" ") + b"\\n")
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
except (OSError, KeyError):
    sys.exit(1)
if not data:
    sys.exit(1)
sys.stdout.buffer.write(data + b"\\n")
"""


@contextmanager
def askpass(passphrase: str | None) -> Iterator[None]:
    """Within the block, ssh-keygen gets `passphrase` (once) when it asks for one, and never touches the terminal."""
    with _LOCK:
        directory = tempfile.mkdtemp(prefix="reviewtui-askpass-")  # created 0700
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stop = threading.Event()
        thread: threading.Thread | None = None
        saved = {name: os.environ.get(name) for name in _VARIABLES}
        try:
            path = os.path.join(directory, "socket")
            server.bind(path)
            os.chmod(path, 0o600)
            server.listen(2)
            server.settimeout(0.1)
            helper = os.path.join(directory, "askpass")
            with open(helper, "w", encoding="utf-8") as out:
                out.write(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -I -S -c {shlex.quote(_HELPER)} "$@"\n')
            os.chmod(helper, 0o700)
            secret = passphrase.encode("utf-8") if passphrase else b""
            thread = threading.Thread(target=_serve, args=(server, secret, stop), daemon=True, name="askpass")
            thread.start()
            os.environ.update({"SSH_ASKPASS": helper, "SSH_ASKPASS_REQUIRE": "force", SOCKET_ENV: path})
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            stop.set()
            if thread is not None:
                thread.join(timeout=2)
            server.close()
            shutil.rmtree(directory, ignore_errors=True)


def _serve(server: socket.socket, secret: bytes, stop: threading.Event) -> None:
    """Answer one passphrase request; refuse everything else (by closing without a word)."""
    answered = False
    while not stop.is_set():
        try:
            conn, _ = server.accept()
        except TimeoutError:
            continue
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            try:
                prompt = _read_line(conn)
                if secret and not answered and b"passphrase" in prompt.lower():
                    answered = True
                    conn.sendall(secret)
            except OSError:
                continue


def _read_line(conn: socket.socket) -> bytes:
    data = b""
    while b"\n" not in data and len(data) < 2048:
        chunk = conn.recv(1024)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0]
