"""Webhooks: signed, retried, SSRF-guarded deliveries of every feature's events to tenant endpoints."""
