"""The one exception the domain raises for a refused operation; its message is for the user."""


class DomainError(Exception):
    """A rule refused the operation. `str(err)` is a translated message; `errors` lists several."""

    def __init__(self, message, errors=None):
        super().__init__(str(message))
        self.message = str(message)
        self.errors = [str(e) for e in (errors or [message])]
