from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "singlewindow.payments"
    label = "payments"
    verbose_name = "Payments and guarantees 繳稅與擔保"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from singlewindow.customs.engine import register_message_handler
        from singlewindow.customs.services import register_entered, register_withdrawal
        from singlewindow.exchange.engines import register_sweep
        from singlewindow.payments import routing  # noqa: F401 - registers the route rules
        from singlewindow.payments.confirmations import MESSAGE_TYPE, handle_payment
        from singlewindow.payments.guarantees import SUBMIT_TYPE, SUSPEND_TYPE, handle_guarantee
        from singlewindow.payments.services import cover_waiting_orders, on_case_entered, on_case_withdrawn

        register_entered(on_case_entered)
        register_withdrawal(on_case_withdrawn)
        register_message_handler(MESSAGE_TYPE, handle_payment)
        register_message_handler(SUBMIT_TYPE, handle_guarantee)
        register_message_handler(SUSPEND_TYPE, handle_guarantee)
        register_sweep("payments.cover", cover_waiting_orders)
