"""Writing the user's files safely: whole or not at all, and refused up front when they cannot be written."""
