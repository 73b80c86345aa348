"""What a PDF carries besides its pages: code that runs (JavaScript, program launches, form
submissions to a server, XFA forms) and attached files. Evidence is read by appraisers on
their own computers: a scan or a signed report has neither, so evidence.check_content refuses
both.

Every object of the file is looked at, not only the document catalogue: a script can sit on a
link of page 7, on a page's "when shown" trigger or in a form field. Names are compared after
pypdf decoded them, so "/J#61vaScript" is "/JavaScript" here as it is to a PDF reader.
"""

import re

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

SCRIPTS, ATTACHMENTS = "scripts", "attachments"
# Actions that run code or send the reader somewhere on their own.
_ACTIVE_ACTIONS = {
    "/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/RichMediaExecute", "/GoToE",
}  # fmt: skip
# Keys that exist only to carry code (a JavaScript action's /JS, an XFA form, rich media).
_ACTIVE_KEYS = ("/JS", "/XFA", "/RichMediaContent")
_ATTACHMENT_KEYS = ("/EmbeddedFiles", "/EF")
# Objects outside the cross-reference table are invisible to pypdf but a repairing viewer may
# read them: long names like these do not occur by chance in compressed data.
_RAW_ACTIVE = re.compile(rb"/(?:JavaScript|Launch|SubmitForm|ImportData)(?=[\s/<>\[\]()%]|$)")
MAX_NODES = 2_000_000


class TooComplexError(ValueError):
    """More objects than any evidence file has: treated as a damaged PDF."""


def _objects(reader):
    """Every indirect object the cross-reference tables (and object streams) list."""
    for generation, numbers in reader.xref.items():
        for number in numbers:
            yield IndirectObject(number, generation, reader).get_object()
    for number in reader.xref_objStm:
        yield IndirectObject(number, 0, reader).get_object()


def _finding(dictionary):
    kind = dict.get(dictionary, "/S")
    if isinstance(kind, IndirectObject):
        kind = kind.get_object()
    if kind in _ACTIVE_ACTIONS or any(key in dictionary for key in _ACTIVE_KEYS):
        return SCRIPTS
    if dict.get(dictionary, "/Type") == "/EmbeddedFile" or any(
        key in dictionary for key in _ATTACHMENT_KEYS
    ):
        return ATTACHMENTS
    return None


def _walk(value, budget):
    """Findings in `value` and the direct objects inside it (indirect ones are visited as
    objects of their own). `budget` is a one-item list counting nodes left."""
    stack = [value]
    while stack:
        budget[0] -= 1
        if budget[0] < 0:
            raise TooComplexError("too many PDF objects")
        item = stack.pop()
        if isinstance(item, DictionaryObject):  # streams are dictionaries too
            found = _finding(item)
            if found:
                yield found
            stack.extend(v for v in dict.values(item) if not isinstance(v, IndirectObject))
        elif isinstance(item, ArrayObject):
            stack.extend(v for v in list.__iter__(item) if not isinstance(v, IndirectObject))


def hidden_content(reader, data):
    """SCRIPTS, ATTACHMENTS or None for an opened (and decrypted) PDF whose bytes are `data`.
    Scripts win over attachments. Raises TooComplexError past MAX_NODES objects."""
    if _RAW_ACTIVE.search(data):
        return SCRIPTS
    budget, findings = [MAX_NODES], set()
    for item in [reader.trailer, *_objects(reader)]:
        findings.update(_walk(item, budget))
        if SCRIPTS in findings:
            return SCRIPTS
    return ATTACHMENTS if findings else None
