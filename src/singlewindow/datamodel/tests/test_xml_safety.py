"""The XML foundations refuse hostile documents, point at faults, and accept the official WCO samples."""

from __future__ import annotations

import contextlib
import copy
import os
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from singlewindow.datamodel.codecs.xml import (
    DECLARATION_NAMESPACE,
    DEFAULT_MAX_DEPTH,
    METADATA_NAMESPACE,
    RESPONSE_NAMESPACE,
    SchemaUnavailable,
    XsdValidator,
    parse_xml,
    parsing,
    wco_declaration_schemas,
    wco_notification_schemas,
    xpath_of,
    xsd_validator,
)
from singlewindow.datamodel.issues import Issue, MessageInvalid

DEC = f"{{{DECLARATION_NAMESPACE}}}"
XS = "http://www.w3.org/2001/XMLSchema"
A_SAMPLE = Path("wco-dec/samples/TT_IM131a/Step1_TT_IM131a.xml")


def rejection(payload: bytes, **limits: int) -> Issue:
    """The single issue ``parse_xml`` raises, checked to be bilingual."""
    with pytest.raises(MessageInvalid) as caught:
        parse_xml(payload, **limits)
    (issue,) = caught.value.issues
    assert_bilingual(issue)
    return issue


def assert_bilingual(issue: Issue) -> None:
    assert issue.code and issue.en
    assert any("\u4e00" <= ch <= "\u9fff" for ch in issue.zh), issue.zh


@pytest.fixture
def loopback() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it gets."""
    hits: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = b'<!ENTITY leak "fetched-from-network">'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    yield base, hits
    # The server really answers, so an empty ``hits`` above meant nothing was fetched.
    with urllib.request.urlopen(f"{base}/control", timeout=5) as response:  # noqa: S310 - loopback only
        assert response.status == 200
    assert hits[-1] == "/control"
    server.shutdown()
    server.server_close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-4711")
    return path


Tripwire = tuple[Path, threading.Event]


@pytest.fixture
def tripwire(tmp_path: Path) -> Iterator[Callable[[str], Tripwire]]:
    """Named pipes that notice being opened: proof that the parser did (not) read a file.

    A writer thread waits to open each pipe; it only gets through once a reader opens the other end,
    and a reader only gets data after that, so once parsing returns the event is settled.
    """
    pipes: list[tuple[Path, threading.Event, threading.Thread]] = []

    def make(name: str) -> Tripwire:
        path = tmp_path / name
        os.mkfifo(path)
        opened = threading.Event()

        def write() -> None:
            with contextlib.suppress(BrokenPipeError), path.open("wb") as pipe:
                opened.set()
                pipe.write(b'<!ENTITY leak "TRIPPED">')

        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        pipes.append((path, opened, thread))
        return path, opened

    if not hasattr(os, "mkfifo"):
        pytest.skip("named pipes are needed to observe file reads")
    yield make
    for path, _, thread in pipes:
        reader = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # lets a writer still waiting finish
        try:
            thread.join(5)
        finally:
            os.close(reader)


# --- well-formed input -------------------------------------------------------------------------


def test_parses_utf8_with_bom_and_declaration_dropping_comments() -> None:
    payload = '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- hi --><a><b>台北<!-- x --></b><![CDATA[<raw>]]></a>'
    root = parse_xml(payload.encode("utf-8"))
    assert root.tag == "a"
    assert root[0].text == "台北"
    assert root[0].tail == "<raw>"
    assert len(root) == 1


def test_accepts_exactly_the_default_depth() -> None:
    payload = b"<a>" * DEFAULT_MAX_DEPTH + b"</a>" * DEFAULT_MAX_DEPTH
    assert parse_xml(payload).tag == "a"


# --- hostile input -------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>"""


def test_billion_laughs_is_refused_without_expansion() -> None:
    started = time.process_time()  # CPU time: a stalled machine does not count
    issue = rejection(BILLION_LAUGHS)
    assert issue.code == "syntax.xml.doctype"
    assert "lol" not in issue.en
    assert time.process_time() - started < 1


def test_quadratic_blowup_is_refused() -> None:
    big = b"A" * 50_000
    payload = b'<!DOCTYPE kaboom [<!ENTITY a "' + big + b'">]><kaboom>' + b"&a;" * 2_000 + b"</kaboom>"
    assert rejection(payload).code == "syntax.xml.doctype"


def test_external_file_entity_is_refused_and_never_read(secret_file: Path) -> None:
    payload = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]><r>&xxe;</r>'
    ).encode()
    # The document is a real attack: a careless parser would hand over the secret.
    careless = etree.XMLParser(resolve_entities=True, load_dtd=True, no_network=True)
    assert "TOP-SECRET-4711" in etree.tostring(etree.fromstring(payload, careless)).decode()

    with pytest.raises(MessageInvalid) as caught:
        parse_xml(payload)
    assert [i.code for i in caught.value.issues] == ["syntax.xml.doctype"]
    assert "TOP-SECRET" not in repr(caught.value.issues)


def test_external_http_entity_is_refused_and_never_fetched(loopback: tuple[str, list[str]]) -> None:
    base, hits = loopback
    payload = f'<!DOCTYPE r [<!ENTITY xxe SYSTEM "{base}/entity">]><r>&xxe;</r>'.encode()
    assert rejection(payload).code == "syntax.xml.doctype"
    assert hits == []


def test_parameter_entities_and_external_dtd_are_refused_and_never_fetched(
    loopback: tuple[str, list[str]],
) -> None:
    base, hits = loopback
    parameter = f'<!DOCTYPE r [<!ENTITY % remote SYSTEM "{base}/param.dtd"> %remote;]><r>&leak;</r>'.encode()
    external = f'<!DOCTYPE r SYSTEM "{base}/external.dtd"><r/>'.encode()
    public = f'<!DOCTYPE r PUBLIC "-//X//Y//EN" "{base}/public.dtd"><r/>'.encode()
    for payload in (parameter, external, public):
        assert rejection(payload).code == "syntax.xml.doctype"
    assert hits == []


def test_tripwire_notices_a_careless_parser(tripwire: Callable[[str], Tripwire]) -> None:
    path, opened = tripwire("control.dtd")
    careless = etree.XMLParser(load_dtd=True, resolve_entities=True)
    root = etree.fromstring(f'<!DOCTYPE r SYSTEM "{path.as_uri()}"><r>&leak;</r>'.encode(), careless)
    assert opened.is_set() and root.text == "TRIPPED"


def test_external_dtd_and_parameter_entity_files_are_never_opened(tripwire: Callable[[str], Tripwire]) -> None:
    dtd, dtd_opened = tripwire("external.dtd")
    param, param_opened = tripwire("param.dtd")
    for payload in (
        f'<!DOCTYPE r SYSTEM "{dtd.as_uri()}"><r>&leak;</r>',
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{param.as_uri()}"> %p;]><r>&leak;</r>',
    ):
        assert rejection(payload.encode()).code == "syntax.xml.doctype"
    assert not dtd_opened.is_set() and not param_opened.is_set()


def test_parser_opens_nothing_even_if_a_doctype_slipped_past_the_check(
    tripwire: Callable[[str], Tripwire], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parsing, "_check_prolog", lambda payload: None)
    dtd, dtd_opened = tripwire("external.dtd")
    param, param_opened = tripwire("param.dtd")
    for payload in (
        f'<!DOCTYPE r SYSTEM "{dtd.as_uri()}"><r>&leak;</r>',
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{param.as_uri()}"> %p;]><r>&leak;</r>',
        BILLION_LAUGHS.decode(),
    ):
        with pytest.raises(MessageInvalid) as caught:
            parse_xml(payload.encode())
        assert "TRIPPED" not in repr(caught.value.issues)
    assert not dtd_opened.is_set() and not param_opened.is_set()


@pytest.mark.parametrize(
    "payload",
    [
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!-- c --><!DOCTYPE r [<!ENTITY a "b">]><r/>',
        b"\xef\xbb\xbf  <!doctype r><r/>",
        b'<?xml-stylesheet href="x"?><!DOCTYPE r><r/>',
    ],
)
def test_doctype_anywhere_in_the_prolog_is_refused(payload: bytes) -> None:
    assert rejection(payload).code == "syntax.xml.doctype"


def test_xinclude_is_never_processed(secret_file: Path) -> None:
    payload = (
        f'<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="{secret_file.as_uri()}" parse="text"/></r>'
    ).encode()
    root = parse_xml(payload)
    assert "TOP-SECRET" not in etree.tostring(root).decode()


def test_ten_thousand_levels_are_refused_fast_at_the_limit() -> None:
    payload = b"<a>" * 10_000 + b"</a>" * 10_000
    started = time.process_time()  # CPU time: a stalled machine does not count
    issue = rejection(payload)
    assert time.process_time() - started < 1
    assert issue.code == "syntax.xml.too_deep"
    assert issue.pointer == "/a" * (DEFAULT_MAX_DEPTH + 1)


def test_depth_limit_is_configurable() -> None:
    issue = rejection(b"<a><b><c><d/></c></b></a>", max_depth=3)
    assert (issue.code, issue.pointer) == ("syntax.xml.too_deep", "/a/b/c/d")


def test_element_count_is_limited() -> None:
    payload = b"<a>" + b"<b/>" * 1_000 + b"</a>"
    issue = rejection(payload, max_elements=100)
    assert issue.code == "syntax.xml.too_many_elements"
    assert issue.pointer == "/a/b[100]"


def test_oversize_is_refused_before_parsing() -> None:
    payload = b"<a>" + b"x" * 2_000 + b"<not-even-well-formed"
    issue = rejection(payload, max_bytes=1_000)
    assert issue.code == "syntax.xml.too_large"
    assert "1000" in issue.en


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ("<a>café</a>".encode("latin-1"), "byte 6"),
        ('<?xml version="1.0" encoding="ISO-8859-1"?><a>plain</a>'.encode("latin-1"), "ISO-8859-1"),
        ("<a>台北</a>".encode("utf-16"), "UTF-16"),
        (b'<?xml version="1.0" encoding="Big5"?><a>x</a>', "Big5"),
    ],
)
def test_only_utf8_is_accepted(payload: bytes, fragment: str) -> None:
    issue = rejection(payload)
    assert issue.code == "syntax.xml.encoding"
    assert fragment in issue.en


@pytest.mark.parametrize("payload", [b"", b"  \r\n\t", b"\xef\xbb\xbf", b'<?xml version="1.0"?><!-- only -->'])
def test_empty_input_is_refused(payload: bytes) -> None:
    assert rejection(payload).code == "syntax.xml.empty"


@pytest.mark.parametrize(
    ("payload", "pointer"),
    [
        (b"<a><?php evil() ?></a>", "/a"),
        (b'<?xml version="1.0"?><?xml-stylesheet href="x.xsl"?><a/>', ""),
        (b"<a/><?after?>", ""),
    ],
)
def test_processing_instructions_are_refused(payload: bytes, pointer: str) -> None:
    issue = rejection(payload)
    assert (issue.code, issue.pointer) == ("syntax.xml.processing_instruction", pointer)


def test_truncated_document_names_the_line_and_the_open_element(shared_data: Path) -> None:
    payload = (shared_data / A_SAMPLE).read_bytes()
    cut = payload[: payload.index(b"<GoodsShipment>") + 300]
    issue = rejection(cut)
    assert issue.code == "syntax.xml"
    assert "line " in issue.en and "行" in issue.zh
    assert issue.pointer.startswith("/MetaData/Declaration/GoodsShipment")


@pytest.mark.parametrize(
    "payload", [b"<a><b></a>", b"<a>&undefined;</a>", b"<a x='1' x='2'/>", b"<a/><b/>", b"no markup", b"<a"]
)
def test_malformed_xml_is_a_syntax_issue(payload: bytes) -> None:
    issue = rejection(payload)
    assert issue.code == "syntax.xml"
    assert "line" in issue.en


# --- pointers --------------------------------------------------------------------------------------


def test_xpath_of_numbers_only_repeated_siblings_and_drops_prefixes() -> None:
    root = parse_xml(
        b'<md:MetaData xmlns:md="urn:md" xmlns="urn:dec"><Declaration><GoodsShipment>'
        b"<GovernmentAgencyGoodsItem><Commodity><Description>a</Description></Commodity></GovernmentAgencyGoodsItem>"
        b"<Other/>"
        b"<GovernmentAgencyGoodsItem><Commodity><Description>b</Description></Commodity></GovernmentAgencyGoodsItem>"
        b"</GoodsShipment></Declaration></md:MetaData>"
    )
    second = root.findall(".//{urn:dec}Description")[1]
    assert xpath_of(second) == "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]/Commodity/Description"
    assert xpath_of(root) == "/MetaData"
    assert xpath_of(root.find(".//{urn:dec}Other")) == "/MetaData/Declaration/GoodsShipment/Other"


def test_xpath_of_ignores_comment_siblings_and_counts_by_local_name() -> None:
    root = etree.fromstring(b'<r xmlns:p="urn:p"><!-- c --><x/><p:x/><y/></r>')
    assert xpath_of(root[2]) == "/r/x[2]"
    assert xpath_of(root[3]) == "/r/y"
    assert xpath_of(root[0]) == "/r/comment()"


# --- XSD validation against the official WCO schemas -------------------------------------------------


@cache
def declaration_samples(samples_dir: Path) -> tuple[Path, ...]:
    """Samples whose root is the WCO ``md:MetaData`` carrying a ``Declaration`` (UK wrappers left out)."""
    found = []
    for path in sorted(samples_dir.rglob("*.xml")):
        root = parse_xml(path.read_bytes())
        if root.tag == f"{{{METADATA_NAMESPACE}}}MetaData" and root.find(f"{DEC}Declaration") is not None:
            found.append(path)
    return tuple(found)


@pytest.fixture
def declaration_validator(shared_data: Path) -> XsdValidator:
    return wco_declaration_schemas(shared_data / "wco-dec" / "schemas").validator()


def test_every_declaration_sample_parses_and_is_valid(shared_data: Path, declaration_validator: XsdValidator) -> None:
    samples = declaration_samples(shared_data / "wco-dec" / "samples")
    assert len(samples) >= 75
    faults = {
        str(path.relative_to(shared_data)): issues
        for path in samples
        if (issues := declaration_validator.validate(parse_xml(path.read_bytes())))
    }
    assert faults == {}


def sample_tree(shared_data: Path) -> etree._Element:
    return parse_xml((shared_data / A_SAMPLE).read_bytes())


def test_reordered_element_is_pointed_at(shared_data: Path, declaration_validator: XsdValidator) -> None:
    root = sample_tree(shared_data)
    declaration = root.find(f"{DEC}Declaration")
    declaration.insert(0, declaration.find(f"{DEC}GoodsItemQuantity"))
    (issue,) = declaration_validator.validate(root)
    assert issue.code == "schema.xsd"
    assert issue.pointer == "/MetaData/Declaration/GoodsItemQuantity"
    assert "GoodsItemQuantity" in issue.en and "not expected" in issue.en
    assert_bilingual(issue)


def test_removed_mandatory_element_is_pointed_at(shared_data: Path, declaration_validator: XsdValidator) -> None:
    root = sample_tree(shared_data)
    item = root.find(f"{DEC}Declaration/{DEC}GoodsShipment/{DEC}GovernmentAgencyGoodsItem")
    item.remove(item.find(f"{DEC}SequenceNumeric"))
    (issue,) = declaration_validator.validate(root)
    assert issue.pointer.startswith("/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem/")
    assert "SequenceNumeric" in issue.en


def test_removed_declaration_is_reported_on_the_envelope(
    shared_data: Path, declaration_validator: XsdValidator
) -> None:
    root = sample_tree(shared_data)
    root.remove(root.find(f"{DEC}Declaration"))
    (issue,) = declaration_validator.validate(root)
    assert issue.pointer == "/MetaData"
    assert "Missing child" in issue.en


def test_bad_value_is_pointed_at(shared_data: Path, declaration_validator: XsdValidator) -> None:
    root = sample_tree(shared_data)
    root.find(f"{DEC}Declaration/{DEC}TypeCode").text = "TOO-LONG-TYPE-CODE"
    issues = declaration_validator.validate(root)
    assert issues
    assert {i.pointer for i in issues} == {"/MetaData/Declaration/TypeCode"}
    with pytest.raises(MessageInvalid):
        declaration_validator.check(root)


def test_validation_ignores_schema_location_hints(
    shared_data: Path, declaration_validator: XsdValidator, loopback: tuple[str, list[str]]
) -> None:
    base, hits = loopback
    root = sample_tree(shared_data)
    root.set("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation", f"{METADATA_NAMESPACE} {base}/md.xsd")
    assert declaration_validator.validate(root) == []
    assert hits == []


def test_validator_is_shared_and_thread_safe(shared_data: Path) -> None:
    schemas = wco_declaration_schemas(shared_data / "wco-dec" / "schemas")
    validator = schemas.validator()
    assert schemas.validator() is validator
    payload = (shared_data / A_SAMPLE).read_bytes()
    broken = payload.replace(b"<TypeCode>IMA</TypeCode>", b"<TypeCode>TOO-LONG-TYPE-CODE</TypeCode>", 1)
    assert broken != payload

    def pointers(data: bytes) -> set[str]:
        return {i.pointer for i in validator.validate(parse_xml(data))}

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(pointers, [payload, broken] * 40))
    assert results == [set(), {"/MetaData/Declaration/TypeCode"}] * 40


def test_notification_schema_validates_a_namespaced_response(shared_data: Path) -> None:
    # The sample notifications are written without namespaces; put them where the schema expects them.
    root = parse_xml((shared_data / "wco-dec/samples/Example_DMS_notifications/01_DMSACC.xml").read_bytes())
    response_ds = "urn:wco:datamodel:WCO:Response_DS:DMS:2"
    for element in root.iter(etree.Element):
        in_response = element.tag == "Response" or any(a.tag.endswith("Response") for a in element.iterancestors())
        namespace = (
            response_ds
            if element.tag == "DateTimeString"
            else (RESPONSE_NAMESPACE if in_response else METADATA_NAMESPACE)
        )
        element.tag = f"{{{namespace}}}{element.tag}"
    validator = wco_notification_schemas(shared_data / "wco-dec" / "schemas").validator()
    assert validator.validate(root) == []
    root.find(f"{{{RESPONSE_NAMESPACE}}}Response/{{{RESPONSE_NAMESPACE}}}FunctionCode").text = "not-a-code"
    assert {i.pointer for i in validator.validate(root)} == {"/MetaData/Response/FunctionCode"}


def test_missing_schema_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"WCO_DEC_2_DMS\.xsd"):
        wco_declaration_schemas(tmp_path)


# --- the schema loader reads only local files under its root ---------------------------------------


def write_schema(path: Path, body: str, *, prolog: str = "", target: str = "urn:t") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'{prolog}<xs:schema xmlns:xs="{XS}" targetNamespace="{target}" xmlns="{target}" '
        f'elementFormDefault="qualified">{body}</xs:schema>'
    )
    return path


def test_local_imports_under_the_root_are_followed(tmp_path: Path) -> None:
    write_schema(tmp_path / "parts" / "b.xsd", '<xs:element name="b" type="xs:int"/>', target="urn:b")
    main = write_schema(
        tmp_path / "a.xsd",
        '<xs:import namespace="urn:b" schemaLocation="parts/b.xsd"/>'
        '<xs:element name="a"><xs:complexType><xs:sequence><xs:element ref="b:b" xmlns:b="urn:b"/>'
        "</xs:sequence></xs:complexType></xs:element>",
    )
    validator = XsdValidator([main])
    assert validator.validate(parse_xml(b'<a xmlns="urn:t"><b xmlns="urn:b">1</b></a>')) == []
    (issue,) = validator.validate(parse_xml(b'<a xmlns="urn:t"><b xmlns="urn:b">x</b></a>'))
    assert issue.pointer == "/a/b"


def test_remote_import_is_refused_and_never_fetched(tmp_path: Path, loopback: tuple[str, list[str]]) -> None:
    base, hits = loopback
    main = write_schema(tmp_path / "a.xsd", f'<xs:import namespace="urn:b" schemaLocation="{base}/b.xsd"/>')
    with pytest.raises(SchemaUnavailable, match="only local schema files"):
        XsdValidator([main]).warm_up()
    assert hits == []


def test_import_leaving_the_root_is_refused_unopened(
    tmp_path: Path, secret_file: Path, tripwire: Callable[[str], Tripwire]
) -> None:
    _, opened = tripwire("outside.xsd")
    main = write_schema(tmp_path / "root" / "a.xsd", '<xs:import namespace="urn:b" schemaLocation="../outside.xsd"/>')
    with pytest.raises(SchemaUnavailable, match="outside the schema directory"):
        XsdValidator([main]).warm_up()
    assert not opened.is_set()
    sneaky = write_schema(
        tmp_path / "root" / "c.xsd", f'<xs:include schemaLocation="{secret_file.as_uri()}"/>', target="urn:t"
    )
    with pytest.raises(SchemaUnavailable, match="outside the schema directory"):
        XsdValidator([sneaky], root=tmp_path / "root").warm_up()


def test_schema_with_doctype_is_refused(tmp_path: Path, secret_file: Path) -> None:
    main = write_schema(
        tmp_path / "a.xsd",
        '<xs:element name="a"><xs:annotation><xs:documentation>&x;</xs:documentation></xs:annotation></xs:element>',
        prolog=f'<!DOCTYPE xs:schema [<!ENTITY x SYSTEM "{secret_file.as_uri()}">]>',
    )
    with pytest.raises(SchemaUnavailable, match=r"syntax\.xml\.doctype"):
        XsdValidator([main]).warm_up()


def test_xsd_validator_returns_one_instance_per_schema_set(tmp_path: Path) -> None:
    main = write_schema(tmp_path / "a.xsd", '<xs:element name="a"/>')
    assert xsd_validator(main) is xsd_validator(main)
    assert xsd_validator(main) is not xsd_validator(main, root=tmp_path.parent)


# --- fuzzing: only an element or MessageInvalid, never anything else --------------------------------

NASTY = [
    b"<!DOCTYPE a [<!ENTITY x 'y'>]>",
    b"&x;",
    b"&#0;",
    b"&#x110000;",
    b"<?pi x?>",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"</",
    b"<",
    b">",
    b"\x00",
    b"\xff\xfe",
    b"\xc3",
    b'xmlns:md="urn:other"',
    b"<GoodsShipment>",
    b"</Declaration>",
]


def parses_or_refuses(payload: bytes) -> etree._Element | None:
    try:
        root = parse_xml(payload)
    except MessageInvalid as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.code.startswith("syntax.xml")
            assert_bilingual(issue)
        return None
    assert isinstance(root, etree._Element)
    return root


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes_never_escape(payload: bytes) -> None:
    parses_or_refuses(payload)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([*NASTY, b"<a>", b"</a>", b"<b/>", b"text", b" "]), max_size=30))
def test_arbitrary_markup_never_escapes(parts: list[bytes]) -> None:
    parses_or_refuses(b"".join(parts))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_samples_never_escape(
    shared_data: Path, declaration_validator: XsdValidator, data: st.DataObject
) -> None:
    payload = bytearray((shared_data / A_SAMPLE).read_bytes())
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        at = data.draw(st.integers(0, len(payload)), label="at")
        kind = data.draw(st.sampled_from(["insert", "delete", "replace"]), label="kind")
        if kind == "delete":
            del payload[at : at + data.draw(st.integers(1, 200), label="length")]
        else:
            fragment = data.draw(st.one_of(st.sampled_from(NASTY), st.binary(min_size=1, max_size=8)), label="bytes")
            payload[at : at + (len(fragment) if kind == "replace" else 0)] = fragment
    root = parses_or_refuses(bytes(payload))
    if root is not None:
        for issue in declaration_validator.validate(copy.deepcopy(root)):
            assert issue.code == "schema.xsd"
            assert issue.pointer.startswith("/")
            assert_bilingual(issue)
