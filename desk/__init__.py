"""Pudong foreign-talent service desk: policy database, NLU components, dialogue helpers,
channels and admin tooling around a Rasa Open Source 3.6 assistant."""
