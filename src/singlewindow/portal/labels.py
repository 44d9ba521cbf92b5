"""Display labels for exchange and registry codes, kept here so the portal's catalogue owns them.

The models declare the same English labels; listing them in the portal lets ``makemessages``
(run inside this app) keep their zh-Hant translations, which then also serve the models.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DELIVERY_STATES: dict[str, Promise] = {
    "pending": _("Waiting in mailbox"),
    "delivered": _("Delivered"),
    "acknowledged": _("Acknowledged"),
}

PUSH_STATES: dict[str, Promise] = {
    "none": _("Pull only"),
    "pending": _("Push pending"),
    "succeeded": _("Pushed"),
    "dead": _("Dead letter"),
}

MANDATE_STATES: dict[str, Promise] = {
    "withdrawn": _("Withdrawn"),
    "pending": _("Not yet in force"),
    "expired": _("Expired"),
    "in_force": _("In force"),
}

ROLES: dict[str, Promise] = {
    "trader": _("Trader"),
    "customs_broker": _("Customs broker"),
    "carrier": _("Carrier"),
    "forwarder": _("Forwarder"),
    "warehouse_operator": _("Warehouse operator"),
    "express_operator": _("Express operator"),
    "bank": _("Bank"),
    "customs_office": _("Customs office"),
    "permit_agency": _("Permit agency"),
    "port_authority": _("Port authority"),
    "foreign_single_window": _("Foreign single window"),
}

MEMBERSHIP_ROLES: dict[str, Promise] = {
    "manager": _("Manager"),
    "operator": _("Operator"),
    "viewer": _("Viewer"),
}

SECURITY: dict[str, Promise] = {
    "certificate": _("Certificate-based"),
    "simple": _("Simple"),
}
