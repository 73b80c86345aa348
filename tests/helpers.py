"""Small helpers shared by the web and API tests."""

import html
import json
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


def _filter_selects(body):
    # A list page's search filters are <select>s kept as JSON strings in a script.
    strings = re.findall(r'"\w+": ("\\u003cselect(?:[^"\\]|\\.)*")', body)
    return "".join(json.loads(s) for s in strings)


def select_options(response, field):
    """The visible texts of a <select name=field>'s options (a form's or a list's search
    filter), in page order, blanks left out."""
    body = response.data.decode("utf-8")
    body += _filter_selects(body)
    found = re.search(rf'<select[^>]*\bname="{re.escape(field)}"[^>]*>(.*?)</select>', body, re.S)
    assert found, f"no <select name={field!r}> on the page"
    texts = re.findall(r"<option[^>]*>(.*?)</option>", found.group(1), re.S)
    return [html.unescape(t).strip() for t in texts if t.strip()]
