"""The use cases: receive an event, send a message, connect a Page, outgoing webhooks."""
