"""Persistence: the engine, the unit of work, the base model and the migrations."""
