"""The gateway: the public port of the Rasa server (5005), proxying to a Rasa process it
supervises, so a new model goes live by starting a second process and switching traffic
once it is ready, without any request waiting for a model to load."""
