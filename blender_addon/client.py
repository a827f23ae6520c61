"""HTTP client for the Lipwright backend (urllib only); every failure becomes a BackendError with a human message."""

import json
import socket
import urllib.error
import urllib.parse
import urllib.request

from . import wire

# Routes under wire.API_PREFIX; the server's routers use the same names.
HEALTH = "/health"
MODELS = "/models"
JOBS = "/jobs"
TEMPLATE = "/template"
PREPARE = "/prepare"  # prepare-character jobs: submitted here, followed under JOBS like any job

SUBMIT_TIMEOUT_SECONDS = 300.0


class BackendError(RuntimeError):
    """The backend could not be reached or refused a request; str() is shown to the user."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


class BackendSilent(BackendError):
    """The backend did not answer within the timeout: busy or paused, not a failure; ask again later."""


def _detail(body: bytes) -> str:
    """The human message of an error response: FastAPI's {"detail": ...} or the raw text."""
    text = body.decode("utf-8", "replace").strip()
    try:
        detail = json.loads(text).get("detail", text)
    except (ValueError, AttributeError):
        return text[:500]
    if isinstance(detail, list):  # pydantic validation errors
        return "; ".join(
            f"{'.'.join(str(p) for p in item.get('loc', []))}: {item.get('msg', item)}" if isinstance(item, dict) else str(item)
            for item in detail
        )
    if isinstance(detail, dict):
        return str(detail.get("message") or detail)
    return str(detail)


class Client:
    def __init__(self, base_url: str, token: str = "", timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _request(self, method, route, body=None, content_type=None, timeout=None) -> tuple[bytes, str]:
        url = self.base_url + wire.API_PREFIX + route
        request = urllib.request.Request(url, data=body, method=method)
        if self.token:
            request.add_header(wire.TOKEN_HEADER, self.token)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=timeout or self.timeout) as response:
                return response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            message = _detail(error.read() or b"") or error.reason
            if error.code in (401, 403):
                message = f"the backend refused the token ({message}); check the token in the add-on preferences"
            raise BackendError(f"backend: {message}", status=error.code) from None
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise BackendSilent(f"the Lipwright backend at {self.base_url} did not answer in time") from None
            if isinstance(reason, ConnectionRefusedError):
                raise BackendError(
                    f"cannot reach the Lipwright backend at {self.base_url} (connection refused): "
                    "start it, or check the URL in the add-on preferences"
                ) from None
            raise BackendError(f"cannot reach the Lipwright backend at {self.base_url} ({reason})") from None
        except (socket.timeout, TimeoutError):
            raise BackendSilent(f"the Lipwright backend at {self.base_url} did not answer in time") from None
        except ConnectionError as error:
            raise BackendError(f"the connection to the Lipwright backend at {self.base_url} broke ({error})") from None

    def _json(self, method, route, body=None, content_type=None):
        data, _ = self._request(method, route, body, content_type)
        try:
            return json.loads(data.decode("utf-8"))
        except ValueError:
            raise BackendError(f"the backend's answer to {route} is not JSON") from None

    def health(self) -> dict:
        return self._json("GET", HEALTH)

    def models(self) -> list[dict]:
        """[{'name', 'description', 'available', 'reason', ...}, ...]; the server's default first."""
        answer = self._json("GET", MODELS)
        items = answer.get("models", answer) if isinstance(answer, dict) else answer
        models = [item if isinstance(item, dict) else {"name": str(item)} for item in items]
        default = answer.get("default") if isinstance(answer, dict) else None
        return sorted(models, key=lambda item: item.get("name") != default)

    def submit(self, request_bytes: bytes, route: str = JOBS) -> str:
        """POST the wire request (wire.encode_request; prepare_wire's to PREPARE); returns the job id. Not
        retried on silence (a second POST could start the job twice), so it waits longer: the server reads
        and checks the whole request before it answers."""
        data, _ = self._request("POST", route, request_bytes, "application/octet-stream",
                                timeout=max(self.timeout, SUBMIT_TIMEOUT_SECONDS))
        try:
            answer = json.loads(data.decode("utf-8"))
        except ValueError:
            raise BackendError(f"the backend's answer to {route} is not JSON") from None
        job_id = answer.get("id") or answer.get("job_id")
        if not job_id:
            raise BackendError("the backend accepted the job but sent no job id")
        return str(job_id)

    def status(self, job_id: str) -> dict:
        """{'state': queued|running|done|failed|cancelled, 'progress': 0..1, 'message'/'error': str}."""
        answer = self._json("GET", f"{JOBS}/{urllib.parse.quote(job_id)}")
        answer.setdefault("state", answer.get("status", "running"))
        return answer

    def result(self, job_id: str) -> bytes:
        data, _ = self._request("GET", f"{JOBS}/{urllib.parse.quote(job_id)}/result", timeout=max(self.timeout, 120))
        return data

    def cancel(self, job_id: str) -> None:
        self._request("POST", f"{JOBS}/{urllib.parse.quote(job_id)}/cancel")

    def template(self) -> bytes:
        """The default head as npz bytes (vertices, faces_flat, face_sizes, targets, target_names, landmarks)."""
        data, _ = self._request("GET", TEMPLATE, timeout=max(self.timeout, 300))
        return data
