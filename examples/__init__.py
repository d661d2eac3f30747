"""Runnable example apps (smoke-tested by tests/examples)."""
