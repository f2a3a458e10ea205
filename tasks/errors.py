"""Errors that reject a source file or archive whole, with what is wrong and where."""


class FileRejected(Exception):
    """A source file breaks its contract; nothing from it is loaded."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class SourceError(Exception):
    """A source (folder, archive, URL) cannot be read at all."""
