"""Shortening text for display without cutting a word in two."""


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a space (then "…"); a first word
    longer than `limit` is kept whole rather than cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] != " ":  # the limit falls inside a word: drop that word
        space = cut.rfind(" ")
        cut = cut[:space] if space > 0 else text.split(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"
