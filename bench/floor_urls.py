"""URLconf for the benchmark server: the real application plus the floor baseline endpoint."""

from __future__ import annotations

import hashlib

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from singlewindow import urls as app_urls
from singlewindow.exchange import jws
from singlewindow.exchange.rows import Batch

INSERT = "INSERT INTO bench_floor (digest, received_at) VALUES (%s, now())"


@csrf_exempt
@require_POST
def floor_view(request: HttpRequest) -> HttpResponse:
    """The floor: one detached-signature verification over the body and one insert.

    The insert takes the path intake's writes take (``rows.Batch``: the same connection check, then
    one pipelined round trip), so the floor pays for nothing intake does not.
    """
    body = request.body
    try:
        jws.verify_detached(request.headers.get("X-SW-Signature", ""), body)
    except jws.SignatureError as error:
        return HttpResponse(str(error), status=400, content_type="text/plain")
    insert = Batch()
    insert.add(INSERT, [hashlib.sha256(body).hexdigest()])
    insert.run()
    return HttpResponse(status=201)


# The floor comes first: behind the application's patterns, resolving its path would try some thirty
# of them, where intake's is found among the first few.
urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/floor", floor_view, name="bench-floor"),
    *app_urls.urlpatterns,  # type: ignore[list-item]
]
