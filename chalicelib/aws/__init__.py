"""The thin layer that touches AWS; every client is passed in, never built at import."""
