"""Routers of the web pages, one module per area."""
