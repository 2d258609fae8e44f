"""`free_ports` gives each name its own port, free to bind once returned."""

from __future__ import annotations

import socket

from mcp_devtools.testing import free_ports


def test_every_name_gets_a_distinct_port_that_can_then_be_bound() -> None:
    names = [f"service-{n}" for n in range(64)]
    # 64 ports chosen one bind-and-close at a time repeat a port in about one draw in fifteen here:
    # a hundred draws make a repeat all but certain if the sockets were not held together
    for _ in range(100):
        assert len(set(free_ports(names).values())) == len(names)
    ports = free_ports(names)
    assert list(ports) == names
    held = []
    try:
        for port in ports.values():
            sock = socket.socket()
            held.append(sock)
            sock.bind(("127.0.0.1", port))  # released by free_ports, so binding succeeds
    finally:
        for sock in held:
            sock.close()
