"""dashboard/sockets.py: the server's TCP sockets send at once (TCP_NODELAY), those open and those to come."""

import socket
import sys

import pytest

from dashboard.sockets import send_at_once
from tests.apptest_helpers import run_app


def _nodelay(sock: socket.socket) -> bool:
    return bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


@pytest.fixture
def listener():
    """A listening socket bound as Streamlit 1.67 binds its own: `socket.socket(family=...)`, protocol 0, which
    asyncio's own TCP_NODELAY skips for every connection accepted on it."""
    sock = socket.socket(family=socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    yield sock
    sock.close()


def _connect(listener):
    client = socket.create_connection(listener.getsockname())
    server, _ = listener.accept()
    return client, server


def test_open_connections_and_the_listener_send_at_once(listener):
    client, server = _connect(listener)
    with client, server:
        assert send_at_once() >= 3  # at least these three (another test's sockets may be open too)
        assert _nodelay(listener) and _nodelay(client) and _nodelay(server)
        assert send_at_once() == 0  # nothing left to set: it only sets what lacks it


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inheriting the listener's option is Linux's")
def test_a_connection_accepted_later_inherits_it(listener):
    send_at_once()
    client, server = _connect(listener)
    with client, server:
        assert _nodelay(server)


def test_other_sockets_are_left_alone(listener):
    left, right = socket.socketpair(socket.AF_UNIX)  # not TCP: no such option
    datagram = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with left, right, datagram:
        send_at_once()
        assert left.fileno() >= 0 and datagram.fileno() >= 0  # still open: the function closed only its copies
        left.sendall(b"x")
        assert right.recv(1) == b"x"


def test_the_router_sets_it_on_the_servers_listener(listener):
    """The app itself calls it: a run of streamlit_app.py leaves the process's listener sending at once."""
    at = run_app()
    assert not at.exception
    assert _nodelay(listener)
