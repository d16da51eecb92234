"""Dialogue logic shared by the actions: what a turn asks (topic, aspect, language) and how
an answer is composed from a policy record."""
