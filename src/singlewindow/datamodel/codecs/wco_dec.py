"""WCO DEC XML (WCO Data Model 3.6, DMS profile): declarations in and out, responses out.

The mapping is generic: a data set field ``goods_shipment`` is the element ``GoodsShipment``
and fields are written in the class's order, which is the schema's sequence. Three kinds of
element need a rule of their own:

* amounts, measures and quantities carry their unit as an attribute (``currencyID``,
  ``unitCode``);
* dates are wrapped: ``<AcceptanceDateTime><DateTimeString formatCode="304">…`` where 304 is
  a UTC date and time (``20240119120000Z``) and 102 a date (``20240119``);
* an element the data set does not know is kept under its XML name, so validation reports it
  as "not part of the data set" at its XPath rather than dropping it silently.

Every JSON location decoded remembers its element's XPath, for error pointers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from lxml import etree

from singlewindow.datamodel.codecs import Decoded
from singlewindow.datamodel.codecs.xml import parse_xml, xpath_of
from singlewindow.datamodel.codecs.xml.wco_schemas import DECLARATION_NAMESPACE, METADATA_NAMESPACE, RESPONSE_NAMESPACE
from singlewindow.datamodel.datasets import DATA_SETS
from singlewindow.datamodel.datasets.base import DataSet, ValueType
from singlewindow.datamodel.datasets.response import CustomsResponse, ResponseInformation
from singlewindow.datamodel.datasets.shape import Kind, attribute_fields, by_xml_name, shape_of
from singlewindow.datamodel.identifiers import is_digits
from singlewindow.datamodel.issues import Issue, MessageInvalid

DECLARATIONS = frozenset({"import_declaration", "export_declaration"})
DATE_TIME_FORMAT = "304"
DATE_FORMAT = "102"
_ROOT_ELEMENT = {"customs_response": ("Response", RESPONSE_NAMESPACE, "RES")}
# Dates are wrapped in a DateTimeString of the data-set ("DS") namespace of the message.
_DATE_NAMESPACE = {
    DECLARATION_NAMESPACE: "urn:wco:datamodel:WCO:Declaration_DS:DMS:2",
    RESPONSE_NAMESPACE: "urn:wco:datamodel:WCO:Response_DS:DMS:2",
}
# Exchange fields of the customs response that the RES schema has no element for: they travel
# as additional information statements (WCO 2/2) under these statement type codes.
_RESPONSE_STATEMENTS = {"status": "STA", "remarks": "REM", "ucr": "UCR", "declaration_message_id": "MID"}
_RESPONSE_RENAMES = {"status_detail": "Status"}


def _issue(code: str, pointer: str, en: str, zh: str) -> MessageInvalid:
    return MessageInvalid([Issue(code, pointer, en, zh)])


class WcoDecXmlCodec:
    name = "wco-dec-xml"
    content_types: tuple[str, ...] = ("application/xml", "text/xml")
    datasets: frozenset[str] | None = DECLARATIONS | {"customs_response"}

    # --- decode -----------------------------------------------------------------------------

    def decode(self, payload: bytes, dataset: str) -> Decoded:
        root = parse_xml(payload)
        element = self._body(root, dataset)
        origins = _XPaths()
        document = _read_class(element, DATA_SETS[dataset], "", origins)
        if dataset == "customs_response":
            document = _response_from_res(document)
        return Decoded(document, origins)

    def _body(self, root: etree._Element, dataset: str) -> etree._Element:
        """The Declaration (or Response) element, inside a WCO MetaData wrapper or on its own."""
        wanted, namespace, _ = _ROOT_ELEMENT.get(dataset, ("Declaration", DECLARATION_NAMESPACE, "DEC"))
        if etree.QName(root).localname != "MetaData" or etree.QName(root).namespace != METADATA_NAMESPACE:
            # A transport wrapper around the WCO document (as some administrations use) is set aside.
            root = next(root.iter(f"{{{METADATA_NAMESPACE}}}MetaData"), root)
        if etree.QName(root).localname == "MetaData" and etree.QName(root).namespace == METADATA_NAMESPACE:
            found = root.find(f"{{{namespace}}}{wanted}")
            if found is None:
                raise _issue("syntax.xml.root", xpath_of(root), f"The MetaData carries no {wanted} element.",
                             f"MetaData 中沒有 {wanted} 元素。")
            return found
        if etree.QName(root).localname == wanted and etree.QName(root).namespace == namespace:
            return root
        raise _issue("syntax.xml.root", xpath_of(root),
                     f"Expected a WCO {wanted} (namespace {namespace}), found {etree.QName(root).localname}.",
                     f"應為 WCO {wanted} 元素（命名空間 {namespace}），實為 {etree.QName(root).localname}。")

    # --- encode -----------------------------------------------------------------------------

    def encode(self, document: DataSet, dataset: str) -> bytes:
        wanted, namespace, type_name = _ROOT_ELEMENT.get(dataset, ("Declaration", DECLARATION_NAMESPACE, "DEC"))
        meta = etree.Element(f"{{{METADATA_NAMESPACE}}}MetaData", nsmap={"md": METADATA_NAMESPACE})
        for tag, text in (("WCODataModelVersionCode", "3.6"), ("WCOTypeName", type_name),
                          ("ResponsibleCountryCode", "TW"), ("ResponsibleAgencyName", "Customs Administration")):
            etree.SubElement(meta, f"{{{METADATA_NAMESPACE}}}{tag}").text = text
        body = etree.SubElement(meta, f"{{{namespace}}}{wanted}",
                                nsmap={None: namespace, "ds": _DATE_NAMESPACE[namespace]})
        if isinstance(document, CustomsResponse):
            document = _response_for_res(document)
            _write_class(body, document, namespace, renames=_RESPONSE_RENAMES, skip=set(_RESPONSE_STATEMENTS))
        else:
            _write_class(body, document, namespace)
        return etree.tostring(meta, xml_declaration=True, encoding="UTF-8")


# --- reading ----------------------------------------------------------------------------------


class _XPaths(Mapping[str, str]):
    """JSON pointer -> XPath, worked out only for the pointers asked about.

    Decoding remembers each location's element; the XPath (which counts siblings) is built
    when validation reports a fault there, so a valid document pays nothing for it.
    """

    def __init__(self) -> None:
        self.elements: dict[str, etree._Element] = {}

    def __getitem__(self, pointer: str) -> str:
        return xpath_of(self.elements[pointer])

    def __contains__(self, pointer: object) -> bool:
        return pointer in self.elements

    def __iter__(self) -> Iterator[str]:
        return iter(self.elements)

    def __len__(self) -> int:
        return len(self.elements)


def _read_class(element: etree._Element, model: type[DataSet], pointer: str, origins: _XPaths) -> dict[str, Any]:
    """The JSON shape of one element, read by the model's fields (recursion bounded by the parser's depth limit)."""
    origins.elements[pointer] = element
    fields = by_xml_name(model)
    result: dict[str, Any] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = etree.QName(child).localname
        field = fields.get(tag)
        if field is None:
            key = tag  # unknown: validation reports it at this element's XPath
            here = f"{pointer}/{key}"
            origins.elements[here] = child
            result[key] = (child.text or "").strip()
            continue
        if field.repeats:
            items = result.setdefault(field.json_name, [])
            here = f"{pointer}/{field.json_name}/{len(items)}"
            items.append(_read_value(child, field.kind, field.model, here, origins))
        else:
            here = f"{pointer}/{field.json_name}"
            result[field.json_name] = _read_value(child, field.kind, field.model, here, origins)
    return result


def _read_value(element: etree._Element, kind: Kind, model: type[DataSet] | None, pointer: str,
                origins: _XPaths) -> Any:
    origins.elements[pointer] = element
    if kind is Kind.CLASS and model is not None:
        return _read_class(element, model, pointer, origins)
    if kind is Kind.VALUE and model is not None:
        value: dict[str, Any] = {"value": (element.text or "").strip()}
        for name, attribute in attribute_fields(model):  # type: ignore[arg-type]
            if element.get(attribute) is not None:
                value[model.model_fields[name].alias or name] = element.get(attribute)
        return value
    if kind is Kind.DATE:
        return _read_date(element)
    return (element.text or "").strip()


def _read_date(element: etree._Element) -> str:
    """ISO 8601 text for pydantic from a DateTimeString with format code 102 or 304."""
    holder = next((c for c in element if isinstance(c.tag, str) and etree.QName(c).localname == "DateTimeString"),
                  None)
    text = ((holder.text if holder is not None else element.text) or "").strip()
    code = holder.get("formatCode") if holder is not None else None
    if code == DATE_FORMAT and len(text) == 8 and is_digits(text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    if code == DATE_TIME_FORMAT and len(text) >= 14 and is_digits(text[:14]):
        zone = text[14:]
        if zone in ("", "Z"):
            zone = "+00:00"
        elif len(zone) == 3:  # +HH
            zone += ":00"
        elif len(zone) == 5:  # +HHMM
            zone = f"{zone[:3]}:{zone[3:]}"
        return f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:14]}{zone}"
    return text  # anything else goes to validation as given, and fails there with its pointer


# --- writing ----------------------------------------------------------------------------------


def _write_class(parent: etree._Element, model: DataSet, namespace: str, *, renames: dict[str, str] | None = None,
                 skip: set[str] | None = None) -> None:
    for field in shape_of(type(model)):
        if skip and field.name in skip:
            continue
        value = getattr(model, field.name)
        if value is None or value == []:
            continue
        tag = f"{{{namespace}}}{(renames or {}).get(field.name, field.xml_name)}"
        for item in value if field.repeats else [value]:
            child = etree.SubElement(parent, tag)
            if field.kind is Kind.CLASS:
                _write_class(child, item, namespace)
            elif field.kind is Kind.VALUE:
                _write_value(child, item)
            elif field.kind is Kind.DATE:
                _write_date(child, item, namespace)
            else:
                child.text = str(item)


def _write_value(element: etree._Element, value: ValueType) -> None:
    element.text = _decimal_text(getattr(value, "value"))  # noqa: B009 - every value type has it
    for name, attribute in attribute_fields(type(value)):
        attribute_value = getattr(value, name)
        if attribute_value is not None:
            element.set(attribute, str(attribute_value))


def _decimal_text(value: Any) -> str:
    text = format(value, "f")
    return text


def _write_date(element: etree._Element, value: date, namespace: str) -> None:
    holder = etree.SubElement(element, f"{{{_DATE_NAMESPACE[namespace]}}}DateTimeString")
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        holder.set("formatCode", DATE_TIME_FORMAT)
        holder.text = f"{_ymd(moment)}{moment.hour:02d}{moment.minute:02d}{moment.second:02d}Z"
    else:
        holder.set("formatCode", DATE_FORMAT)
        holder.text = _ymd(value)


def _ymd(value: date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"  # strftime does not pad years before 1000


def _response_from_res(document: dict[str, Any]) -> dict[str, Any]:
    """The exchange-only fields back out of the additional information statements that carried them."""
    by_code = {code: name for name, code in _RESPONSE_STATEMENTS.items()}
    kept, fields = [], {}
    for statement in document.get("additionalInformation") or []:
        name = by_code.get(statement.get("statementTypeCode", "")) if isinstance(statement, dict) else None
        if name is not None and "statementCode" not in statement and name not in fields:
            fields[CustomsResponse.model_fields[name].alias or name] = statement.get("statementDescription", "")
        else:
            kept.append(statement)
    if not fields:
        return document
    rest = {key: value for key, value in document.items() if key != "additionalInformation"}
    return {**rest, **fields, **({"additionalInformation": kept} if kept else {})}


def _response_for_res(response: CustomsResponse) -> CustomsResponse:
    """The response with its exchange-only fields moved into additional information statements."""
    statements = [
        ResponseInformation(statement_type_code=code, statement_description=str(getattr(response, name)))
        for name, code in _RESPONSE_STATEMENTS.items()
        if getattr(response, name)
    ]
    return response.model_copy(update={"additional_information": [*response.additional_information, *statements]})
