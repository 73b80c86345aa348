"""A message body as a few plain blocks, written out once as text and once as HTML.

Keeping the words in Python (msgids the catalogue extracts) and the layout here means the
plain-text part and the HTML part can never say different things.
"""

from dataclasses import dataclass, field

from markupsafe import escape


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Item:
    """One entry of a list: its text, optional detail lines and an optional link."""

    text: str
    details: tuple = ()
    url: str | None = None


@dataclass(frozen=True)
class Bullets:
    items: tuple


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass
class Body:
    greeting: str
    blocks: list = field(default_factory=list)
    footer: str = ""


def as_text(body):
    parts = [body.greeting]
    for block in body.blocks:
        if isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Link):
            parts.append(f"{block.label}: {block.url}")
        elif isinstance(block, Bullets):
            lines = []
            for item in block.items:
                lines.append(f"- {item.text}")
                lines.extend(f"  {detail}" for detail in item.details)
                if item.url:
                    lines.append(f"  {item.url}")
            parts.append("\n".join(lines))
    if body.footer:
        parts.append("-- \n" + body.footer)
    return "\n\n".join(parts) + "\n"


def _html_item(item):
    text = escape(item.text)
    if item.url:
        text = f'<a href="{escape(item.url)}">{text}</a>'
    details = "".join(f"<br>{escape(detail)}" for detail in item.details)
    return f"<li>{text}{details}</li>"


def as_html(body):
    parts = [f"<p>{escape(body.greeting)}</p>"]
    for block in body.blocks:
        if isinstance(block, Paragraph):
            parts.append(f"<p>{escape(block.text)}</p>")
        elif isinstance(block, Link):
            parts.append(f'<p><a href="{escape(block.url)}">{escape(block.label)}</a></p>')
        elif isinstance(block, Bullets):
            parts.append("<ul>" + "".join(_html_item(item) for item in block.items) + "</ul>")
    if body.footer:
        parts.append(f'<p style="color:#666;font-size:90%">{escape(body.footer)}</p>')
    return (
        '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"></head>'
        '<body style="font-family:Arial,sans-serif">' + "\n".join(parts) + "</body></html>\n"
    )
