"""Input channels (hotline answer assistant, WeChat) and the stores the Rasa server uses."""
