"""A page's forms read as a browser would submit them."""

from __future__ import annotations

from html.parser import HTMLParser


class Forms(HTMLParser):
    """Every form of a page: its action and its named inputs' values."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                {"_action": values.get("action", ""), "_method": values.get("method", "get")}
            )
        elif tag in ("input", "button") and self.forms and "name" in values:
            self.forms[-1].setdefault(values["name"], values.get("value", ""))
