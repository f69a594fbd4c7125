"""The socket ``acuneuro serve --workers N`` shares between its worker processes."""

from __future__ import annotations

import asyncio
import socket

import pytest

from acuneuro.cli._core import tcp_socket


def test_the_shared_socket_is_tcp_so_answers_are_not_held_by_nagles_algorithm() -> None:
    sock = tcp_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.get_inheritable()
    finally:
        sock.close()


def test_a_connection_accepted_from_it_has_tcp_nodelay() -> None:
    listening = tcp_socket("127.0.0.1", 0)
    port = listening.getsockname()[1]
    nodelay: list[int] = []

    async def main() -> None:
        def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            raw = writer.get_extra_info("socket")
            nodelay.append(raw.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(accepted, sock=listening)
        async with server:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            for _ in range(100):
                if nodelay:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(main())
    assert nodelay and nodelay[0] != 0


def test_a_port_already_taken_is_an_error_not_a_socket() -> None:
    taken = tcp_socket("127.0.0.1", 0)
    taken.listen()
    try:
        with pytest.raises(OSError):
            tcp_socket("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
