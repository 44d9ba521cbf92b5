"""Readable XPath pointers, so an XML fault can be located by the person who sent the document."""

from __future__ import annotations

from lxml import etree


def local_name(node: etree._Element) -> str:
    """The element's name without its namespace; other node kinds get their XPath node test."""
    tag = node.tag
    if isinstance(tag, str):
        return tag.rpartition("}")[2]
    if isinstance(node, etree._Comment):
        return "comment()"
    if isinstance(node, etree._ProcessingInstruction):
        return "processing-instruction()"
    return "node()"


def xpath_of(node: etree._Element) -> str:
    """Absolute location such as ``/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]``.

    Steps use local names because senders write prefixes as they please; a 1-based position is added
    only where the parent has several children of that local name, which keeps the pointer short and
    still unambiguous. Walks up iteratively, so any depth is safe.
    """
    steps: list[str] = []
    current: etree._Element | None = node
    while current is not None:
        steps.append(_step(current))
        current = current.getparent()
    return "/" + "/".join(reversed(steps))


def _step(node: etree._Element) -> str:
    name = local_name(node)
    parent = node.getparent()
    if parent is None:
        return name
    position = 0
    count = 0
    for sibling in parent:
        if local_name(sibling) == name:
            count += 1
            if sibling is node:
                position = count
    return name if count == 1 else f"{name}[{position}]"
