"""The one error every validator raises."""


class InvalidIdentifier(ValueError):
    """An identifier failed validation; `code` is stable, `message` is for humans."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
