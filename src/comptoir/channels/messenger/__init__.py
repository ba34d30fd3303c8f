"""Messenger: webhook decoding, the Send API client and Graph errors."""
