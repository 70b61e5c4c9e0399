"""Strict rules for backup: what AWS refuses that moto accepts. See local/EMULATOR-RULES.md."""

from __future__ import annotations
