"""Demo data: organisations, users, the service catalogue and its grants, certificates and tokens.

Run once on an empty data directory; every secret (passwords, tokens, keys) is generated on
the spot and written under ``<SW_DATA_DIR>/demo`` and ``<SW_DATA_DIR>/pki``, never committed.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.models import User
from django.db import transaction

from singlewindow import config
from singlewindow.cargo.demo import load_demo as load_demo_cargo
from singlewindow.codelists.services import load_code_lists
from singlewindow.customs.selection.services import load_demo_selection_rules
from singlewindow.customs.tariff.services import load_sample_schedule
from singlewindow.exchange.identity import ensure_demo_pki, pki_dir, write_private_file
from singlewindow.express.demo import load_demo as load_demo_express
from singlewindow.payments.demo import load_demo as load_demo_payments
from singlewindow.permits.services import load_demo_permits
from singlewindow.registry import pki
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import Organisation, OrganisationRole

R = OrganisationRole


@dataclass(frozen=True)
class DemoOrg:
    code: str
    name_en: str
    name_zh: str
    roles: tuple[str, ...]
    business_id: str | None = None
    office_code: str = ""
    engine: str = ""
    login: str = ""


ORGANISATIONS = (
    DemoOrg("tw-trader-formosa", "Formosa Electronics Co., Ltd.", "福爾摩沙電子股份有限公司",
            (R.TRADER,), "30000002", login="formosa"),
    DemoOrg("tw-trader-pacific", "Pacific Fine Foods Co., Ltd.", "太平洋精緻食品股份有限公司",
            (R.TRADER,), "30000007", login="pacific"),
    DemoOrg("tw-broker-harbour", "Harbour Customs Brokerage Co.", "港都報關股份有限公司",
            (R.CUSTOMS_BROKER,), "30000013", login="harbour"),
    DemoOrg("tw-customs-admin", "Customs Administration, Ministry of Finance", "財政部關務署",
            (R.CUSTOMS_OFFICE,), "30000018", login="customs"),
    DemoOrg("tw-customs-keelung", "Keelung Customs", "基隆關", (R.CUSTOMS_OFFICE,), "30000024",
            office_code="TWKEL", engine="customs", login="keelung"),
    DemoOrg("tw-customs-kaohsiung", "Kaohsiung Customs", "高雄關", (R.CUSTOMS_OFFICE,), "30000029",
            office_code="TWKHH", engine="customs", login="kaohsiung"),
    DemoOrg("tw-bsmi", "Bureau of Standards, Metrology and Inspection", "經濟部標準檢驗局",
            (R.PERMIT_AGENCY,), "30000034", engine="permit_desk", login="bsmi"),
    DemoOrg("tw-tfda", "Taiwan Food and Drug Administration", "衛生福利部食品藥物管理署",
            (R.PERMIT_AGENCY,), "30000039", engine="permit_desk", login="tfda"),
    DemoOrg("tw-aphia", "Animal and Plant Health Inspection Agency", "農業部動植物防疫檢疫署",
            (R.PERMIT_AGENCY,), "30000040", engine="permit_desk", login="aphia"),
    DemoOrg("tw-trade-admin", "International Trade Administration", "經濟部國際貿易署",
            (R.PERMIT_AGENCY,), "30000045", login="trade"),
    DemoOrg("tw-port-tipc", "Taiwan International Ports Corporation", "臺灣港務股份有限公司",
            (R.PORT_AUTHORITY,), "30000050", login="port"),
    DemoOrg("tw-bank-taiwan", "Bank of Taiwan", "臺灣銀行", (R.BANK,), "30000055", login="bank"),
    DemoOrg("tw-carrier-oceanic", "Oceanic Shipping Lines", "海洋航運股份有限公司",
            (R.CARRIER,), "30000061", login="oceanic"),
    DemoOrg("tw-warehouse-keelung", "Keelung Container Terminal Warehouse", "基隆貨櫃集散站",
            (R.WAREHOUSE_OPERATOR,), "30000066", login="warehouse"),
    DemoOrg("tw-carrier-skyway", "Skyway Air Cargo", "天際航空貨運股份有限公司",
            (R.CARRIER,), "30000071", login="skyway"),
    DemoOrg("tw-express-taoyuan", "Taoyuan Airport Express Cargo Terminal", "桃園機場快遞貨物專區",
            (R.WAREHOUSE_OPERATOR, R.EXPRESS_OPERATOR), "30000077", login="express"),
    DemoOrg("tw-bank-land", "Land Bank of Taiwan", "臺灣土地銀行", (R.BANK,), "30000082", login="landbank"),
)
# (principal, agent): the broker declares for both traders (報關委任)
MANDATES = (("tw-trader-formosa", "tw-broker-harbour"), ("tw-trader-pacific", "tw-broker-harbour"))


def demo_dir() -> Path:
    path = config.data_dir() / "demo"
    path.mkdir(parents=True, exist_ok=True)
    return path


def is_seeded() -> bool:
    return Organisation.objects.filter(code="tw-trader-formosa").exists()


@transaction.atomic
def seed() -> dict[str, str]:
    """Create the demo world; returns login -> password (also saved to demo/logins.json)."""
    root = ensure_demo_pki()
    registry.add_trust_anchor(name="Single Window Demo Root CA", certificate=root.certificate, actor=SYSTEM)
    logins: dict[str, str] = {}
    for spec in ORGANISATIONS:
        org = registry.create_organisation(
            code=spec.code, name_en=spec.name_en, name_zh=spec.name_zh, roles=spec.roles,
            business_id=spec.business_id, office_code=spec.office_code, engine=spec.engine, actor=SYSTEM,
        )
        password = secrets.token_urlsafe(9)
        registry.add_member(organisation=org, username=spec.login, password=password,
                            role="manager", actor=SYSTEM)
        logins[spec.login] = password
        _issue_credentials(org, root)
    organisations = {org.code: org for org in Organisation.objects.all()}
    for principal, agent in MANDATES:
        registry.grant_mandate(principal=organisations[principal], agent=organisations[agent], actor=SYSTEM)
    password = secrets.token_urlsafe(12)
    User.objects.create_superuser("admin", "", password)
    logins["admin"] = password
    # every agency of the G2G catalogue and its services; the demo's own agencies above keep their logins
    registry.load_catalogue(actor=SYSTEM)
    load_code_lists(actor=SYSTEM)  # after the agencies exist, so regulation codes link to them
    load_sample_schedule(actor=SYSTEM)  # after the code lists: lines come from HS 2022
    load_demo_selection_rules(actor=SYSTEM)
    load_demo_permits(actor=SYSTEM)  # after the code lists: the permit is under regulation C02
    load_demo_cargo(actor=SYSTEM)
    load_demo_express(actor=SYSTEM)
    load_demo_payments(actor=SYSTEM)
    (demo_dir() / "logins.json").write_text(json.dumps(logins, indent=2))
    return logins


def _issue_credentials(org: Organisation, root: pki.KeyPair) -> None:
    """A signing certificate and an API token for each demo organisation's system."""
    issued = pki.issue_organisation_certificate(root, org_code=org.code, organisation_name=org.name_en,
                                                business_id=org.business_id)
    registry.register_certificate(organisation=org, pem=pki.certificate_to_pem(issued.certificate),
                                  actor=SYSTEM)
    org_dir = pki_dir() / "orgs"
    org_dir.mkdir(exist_ok=True)
    write_private_file(org_dir / f"{org.code}.key", pki.private_key_to_pem(issued.private_key))
    (org_dir / f"{org.code}.pem").write_text(
        pki.certificate_to_pem(issued.certificate) + pki.certificate_to_pem(root.certificate))
    _, raw = registry.issue_api_token(organisation=org, name="demo system", actor=SYSTEM)
    write_private_file(demo_dir() / f"{org.code}.token", raw)


def load_logins() -> dict[str, str]:
    path = demo_dir() / "logins.json"
    return dict(json.loads(path.read_text())) if path.exists() else {}
