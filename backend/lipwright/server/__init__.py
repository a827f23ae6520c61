"""The loopback HTTP server: FastAPI routes over the job queue, with token and host checks."""
