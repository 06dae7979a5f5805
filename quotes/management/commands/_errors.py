"""One clear line for a command that refuses its input."""

from django.core.exceptions import ValidationError


def one_line(error: ValidationError) -> str:
    """The first problem of `error`, naming its field when it has one."""
    if hasattr(error, "error_dict"):
        name, errors = next(iter(error.error_dict.items()))
        message = " ".join(next(iter(errors)).messages)
        return message if name == "__all__" else f"{name}: {message}"
    return " ".join(error.messages)
