"""Agents: where channels, aggregates and messages live (local SQLite, or MQTT for fleets)."""
