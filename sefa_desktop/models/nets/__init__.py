"""Our own generator networks, written from the published architectures."""
