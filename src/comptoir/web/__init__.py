"""The ASGI app: webhook routes, REST API, inbox pages, auth."""
