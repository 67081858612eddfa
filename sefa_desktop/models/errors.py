"""The one exception type every model-loading failure surfaces as."""


class ModelLoadError(Exception):
    """A checkpoint could not be loaded. The message is one clear line meant for the user."""
