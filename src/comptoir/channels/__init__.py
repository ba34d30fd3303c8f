"""One sub-package per platform, each with the same files: ``wire`` (payload structs),
``webhook`` (verify and decode), ``send_api`` (typed client), ``errors`` (Graph error to
typed exception)."""
