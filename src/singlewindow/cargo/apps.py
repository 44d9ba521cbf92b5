from django.apps import AppConfig


class CargoConfig(AppConfig):
    name = "singlewindow.cargo"
    label = "cargo"
    verbose_name = "Cargo 艙單與貨物"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from singlewindow.cargo import routing  # noqa: F401 - registers the route rules
        from singlewindow.cargo.conveyances import handle_conveyance_delivery
        from singlewindow.cargo.manifests import handle_manifest_delivery
        from singlewindow.cargo.matching import arrivals, give_back, match_manifest, record_release
        from singlewindow.customs import engine, trs
        from singlewindow.customs.services import register_entered, register_matcher, register_withdrawal

        engine.register_message_handler("cargo_manifest.submit", handle_manifest_delivery)
        engine.register_message_handler("conveyance_report.submit", handle_conveyance_delivery)
        register_matcher(match_manifest)
        register_entered(record_release)
        register_withdrawal(give_back)
        trs.register_arrival_source(arrivals)
