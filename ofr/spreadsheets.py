"""Cells of the CSV files the project hands out."""

# Spreadsheet programs run a cell starting with these as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restore(text: str) -> str:
    """A cell read back from one of our files: the apostrophe neutralise() put
    before a formula character taken off again (a value that really starts with
    an apostrophe and then such a character is read without its apostrophe)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text
