"""Tariff disputes and exactly-once refunds (SPEC §5). Built in its own issue."""
