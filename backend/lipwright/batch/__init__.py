"""`lipwright batch`: many lines from a manifest, run concurrently, resumable, written for game engines."""
