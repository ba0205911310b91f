"""A small fault-injecting HTTP reverse proxy for JSON-RPC, bound to 127.0.0.1 only.

It sits between an `RpcConnection` and a node and follows a scripted plan: per JSON-RPC method, answer
an HTTP error status (429 with `Retry-After`, 500…), drop the connection without answering (before the
node saw the request, or after it executed it), or delay the answer. It counts every request and every
fault, and its upstream can be switched at run time (a node restarted elsewhere).

Only what solana-py's HTTP client sends is understood: HTTP/1.1 POSTs with a Content-Length body,
one JSON-RPC request per body, keep-alive connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import Counter
from dataclasses import dataclass
from http import HTTPStatus
from typing import Literal, Self

import httpx2

FaultKind = Literal["status", "drop", "drop_after", "delay"]


@dataclass
class Fault:
    """One scripted fault.

    kind: `status` answers `status` (with `Retry-After` when given) without forwarding; `drop` closes the
    socket without forwarding; `drop_after` forwards (the node acts on it), then closes without answering;
    `delay` waits `delay` seconds, then forwards normally.
    method: the JSON-RPC method it applies to (None: any). times: how many matching requests it hits
    (None: all of them).
    """

    kind: FaultKind
    method: str | None = None
    times: int | None = 1
    status: int = 500
    retry_after: float | None = None
    delay: float = 0.0

    def take(self, method: str) -> bool:
        if self.method not in (None, method) or self.times == 0:
            return False
        if self.times is not None:
            self.times -= 1
        return True


class FaultProxy:
    """Usage::

    async with FaultProxy(node_url) as proxy:
        proxy.plan(Fault("status", "sendTransaction", status=429, retry_after=0.2))
        conn = RpcConnection(proxy.url, ws_url=node_ws_url)
    """

    def __init__(self, upstream: str, *, port: int = 0) -> None:
        self.upstream = upstream
        self._port = port
        self._faults: list[Fault] = []
        self._server: asyncio.Server | None = None
        self._http = httpx2.AsyncClient(timeout=30.0)
        self._writers: set[asyncio.StreamWriter] = set()
        self.requests: Counter[str] = Counter()
        """Requests received, by JSON-RPC method."""
        self.faults: Counter[tuple[str, str]] = Counter()
        """Faults injected, by (kind, method); `upstream-down` when the node could not be reached."""
        self.forwarded: Counter[str] = Counter()
        """Requests the node received, by method."""

    @property
    def url(self) -> str:
        assert self._server is not None, "start the proxy first"
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def plan(self, *faults: Fault) -> None:
        """Replace the fault plan; faults are tried in order, the first that matches applies."""
        self._faults = list(faults)

    def reset_counts(self) -> None:
        self.requests.clear()
        self.faults.clear()
        self.forwarded.clear()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                body = await _read_request(reader)
                if body is None or not await self._answer(body, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self._writers.discard(writer)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _answer(self, body: bytes, writer: asyncio.StreamWriter) -> bool:
        """Answers one request; False when the connection must be dropped."""
        try:
            method = str(json.loads(body).get("method", "?"))
        except (ValueError, AttributeError):
            method = "?"
        self.requests[method] += 1
        fault = next((f for f in self._faults if f.take(method)), None)
        if fault is not None:
            self.faults[(fault.kind, method)] += 1
            if fault.kind == "drop":
                return False
            if fault.kind == "status":
                headers = {"Retry-After": f"{fault.retry_after:g}"} if fault.retry_after is not None else {}
                await _respond(writer, fault.status, b'{"error":"injected"}', headers)
                return True
            if fault.kind == "delay":
                await asyncio.sleep(fault.delay)
        try:
            response = await self._http.post(
                self.upstream, content=body, headers={"Content-Type": "application/json"}
            )
        except httpx2.TransportError:
            self.faults[("upstream-down", method)] += 1
            return False  # the node is gone: the client sees the connection drop, as with a dead node
        self.forwarded[method] += 1
        if fault is not None and fault.kind == "drop_after":
            return False
        await _respond(writer, response.status_code, response.content, {})
        return True


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None  # the client closed its keep-alive connection
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return await reader.readexactly(length)


async def _respond(writer: asyncio.StreamWriter, status: int, body: bytes, headers: dict[str, str]) -> None:
    lines = [
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
    ]
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
