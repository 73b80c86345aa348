"""Small helpers shared by the web and API tests."""

import html
import re


def page_text(response):
    """The visible text of an HTML response, tags removed and entities decoded."""
    body = response.data.decode("utf-8")
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def flashed(response):
    return page_text(response)


def one(session, model, **filters):
    return session.query(model).filter_by(**filters).one()
