"""Background workers: the outbox relay, outgoing webhook deliveries, scheduled jobs."""
