"""What one server launch is configured with: its token, its device, its models and its limits."""

from dataclasses import dataclass


@dataclass(frozen=True)
class ServerSettings:
    token: str
    device: str = "cpu"
    # Host header values accepted (Starlette's TrustedHostMiddleware); loopback names always.
    allowed_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]")
    max_request_bytes: int = 256 * 1024 * 1024  # a 10-minute 48 kHz stereo 24-bit WAV is 173 MB
    max_audio_seconds: float = 600.0
    max_vertices: int = 500_000
    max_frame_vertices: int = 200_000_000  # frames × vertices of one result (12 bytes each): 2.2 GiB
    max_waiting_jobs: int = 16
    keep_finished_jobs: int = 64
    keep_finished_seconds: float = 3600.0
    keep_result_bytes: int = 2 * 1024**3
    # Folders of trained runs to list as models, besides the shipped ones (models/run_folders.py).
    models_dirs: tuple[str, ...] = ()


def is_loopback(host: str) -> bool:
    return host.strip("[]") in ("127.0.0.1", "localhost", "::1") or host.startswith("127.")


def allowed_hosts_for(bind_host: str, extra_hosts: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Loopback names, plus the host the server was told to bind (when it is a name or a real address),
    plus any the user listed; 0.0.0.0 and :: are bind-to-all addresses, never Host header values."""
    hosts = ["127.0.0.1", "localhost", "[::1]"]
    candidates = [bind_host, *extra_hosts]
    for host in candidates:
        host = host.strip().lower()
        if not host or host in ("0.0.0.0", "::", "[::]"):
            continue
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 literal, as it appears in a Host header
        if host not in hosts:
            hosts.append(host)
    return tuple(hosts)
