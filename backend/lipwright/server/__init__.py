"""The loopback HTTP server: FastAPI routes over the job queue, with token and host checks.

Models never run in the server's process (lipwright.jobs.model_worker), so every route answers while a
long line is recognised; results are files, streamed; idle connections are bounded (bounded_connections).

Routes (all under wire.API_PREFIX, all needing the wire.TOKEN_HEADER token, health included):
    GET  /v1/health              HealthResponse: version, api_version, device, pid, job counts, limits
    GET  /v1/models              ModelListResponse: default model and each model's availability
    POST /v1/jobs                body: wire.encode_request npz -> 202 JobStatusResponse (+ Location)
    GET  /v1/jobs/{id}           JobStatusResponse: state, progress 0..1, message, error, position
    GET  /v1/jobs/{id}/result    the wire.encode_result npz; 409 until the job is done
    POST /v1/jobs/{id}/cancel    JobStatusResponse
    GET  /v1/template            the default head as template npz
Errors are JSON {"detail": "<what is wrong and what to do>"}: 400 malformed request, 401 token,
403 browser Origin, 404 unknown job or route, 409 no result yet, 413 too large, 422 bad options, audio
or mesh, 429 queue full. A Host header off the allow-list gets Starlette's plain-text 400.
"""
