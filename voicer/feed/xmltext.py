"""Text that XML 1.0 can hold, and a parse-back check of written XML.

A title typed with a control character (``--title $'a\\x01b'``) or read from an ID3
tag would otherwise make lxml refuse it or, with a hand-written serializer, give a
feed no reader can parse.
"""

from __future__ import annotations

import re

from voicer.errors import ExportError

# XML 1.0 Char: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF].
_FORBIDDEN = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (C0 controls, surrogates, U+FFFE/F)."""
    return _FORBIDDEN.sub("", text)


def check_xml(xml: bytes, what: str) -> None:
    """Parse `xml` back; an ExportError naming `what` if it is not well-formed."""
    from lxml import etree

    try:
        etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        raise ExportError(f"The {what} voicer built is not valid XML ({exc}); please report this.") from exc
