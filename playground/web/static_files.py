"""The static files (CSS, JS, the vendored htmx) as `python manage.py playground` serves them.

Django's ASGIStaticFilesHandler answers /static/ before any middleware runs, so what the
middleware adds to pages is added here: X-Content-Type-Options: nosniff (SecurityMiddleware's),
and a path that climbs out of the static folders (`/static/..%2F..`) is answered 400, as Django
answers a SuspiciousOperation in a view; the handler catches only Http404, so it was a 500.
"""
from __future__ import annotations

import logging

from asgiref.sync import sync_to_async
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponseBase
from django.views.defaults import bad_request


class StaticFilesHandler(ASGIStaticFilesHandler):
    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        try:
            response = await super().get_response_async(request)
        except SuspiciousOperation as e:
            # Django's security logger, as for a view; one line: a climb out is no server error
            logging.getLogger(f"django.security.{type(e).__name__}").warning("%s: %s", request.path, e)
            response = await sync_to_async(bad_request)(request, e)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
