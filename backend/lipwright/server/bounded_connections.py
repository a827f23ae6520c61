"""uvicorn's h11 protocol, bounded: idle connections cannot lock the add-on out of its own server.

uvicorn times out an idle keep-alive connection only after a first response, so a connection that never
sends a request stays open for ever; a thousand of them use up the process's file descriptors and real
requests wait. Here a new connection gets the keep-alive timeout at once, and past MAX_OPEN_CONNECTIONS
the oldest connections that have no request in progress are closed to make room.
"""

import asyncio
import time

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_OPEN_CONNECTIONS = 256  # the add-on uses one or two; anything past this is idle or hostile
SHED_TO = MAX_OPEN_CONNECTIONS * 3 // 4  # shed in batches, not one per new connection


class BoundedH11Protocol(H11Protocol):
    opened_at: float = 0.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.opened_at = time.monotonic()
        # Until its first request arrives, a connection is as idle as a kept-alive one: same timeout.
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)
        if len(self.connections) > MAX_OPEN_CONNECTIONS:
            self._shed_idle_connections()

    def is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def is_idle(self) -> bool:
        """No request has fully arrived, or the last one has been answered (h11 buffers partial headers,
        so a slow sender is idle too)."""
        return self.conn.their_state is h11.IDLE and (self.cycle is None or self.cycle.response_complete)

    def _shed_idle_connections(self) -> None:
        # Closed connections stay in the set until the loop reports them lost: count only open ones.
        open_connections = [connection for connection in self.connections
                            if isinstance(connection, BoundedH11Protocol) and connection.is_open()]
        if len(open_connections) <= MAX_OPEN_CONNECTIONS:
            return
        idle = sorted((connection for connection in open_connections if connection is not self and connection.is_idle()),
                      key=lambda connection: connection.opened_at)
        for connection in idle[: len(open_connections) - SHED_TO]:
            connection.timeout_keep_alive_handler()  # closes it as a keep-alive timeout does
