"""The static files (CSS, JS, the vendored htmx, the favicon), served by WhiteNoise.

`python manage.py playground` collects them at start (`collectstatic`, into STATIC_ROOT in the
data folder) with WhiteNoise's CompressedStaticFilesStorage, which writes a gzipped copy beside
each file; WhiteNoise then sends whichever the browser accepts, with Cache-Control, ETag and
Last-Modified (a reload revalidates: 304, no body). Before any collect (tests, a fresh checkout)
the files are found where they are in the source tree, uncompressed.

This middleware sits right after SecurityMiddleware and the Content-Security-Policy's, so a static
file, and the 400 and 404 pages it answers, get what a page gets from them (nosniff, the policy)
and nothing a page needs a session or a sign-in for. What it
adds to WhiteNoise: a path that climbs out of the static folders (`/static/..%2F..`) is a 400, as
Django answers a SuspiciousOperation in a view, logged in one line; a static path that names no
file is a 404 without a trip through the URL router; and the file is sent as one body, not as
WhiteNoise's file iterator, which Django under ASGI would read with a warning on every request.
"""
from __future__ import annotations

import logging
import os
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.defaults import bad_request, page_not_found
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        path = request.path_info
        if not path.startswith(self.static_prefix):
            return self.get_response(request)
        if climbs_out(path, self.static_prefix):
            e = SuspiciousFileOperation(f"{path} is outside the static folders")
            # Django's security logger, as for a view; one line: a climb out is no server error
            logging.getLogger(f"django.security.{type(e).__name__}").warning("%s: %s", path, e)
            return bad_request(request, e)
        static_file = self.find_file(path) if self.autorefresh else self.files.get(path)
        if static_file is None:
            return page_not_found(request, Http404(f"no static file {path}"))
        return self.serve(static_file, request)

    @staticmethod
    def serve(static_file, request: HttpRequest) -> HttpResponse:  # noqa: ANN001 - whitenoise's StaticFile
        answer = static_file.get_response(request.method, request.META)
        body = b""
        if answer.file is not None:
            with answer.file:
                body = answer.file.read()
        response = HttpResponse(body, status=int(answer.status))
        del response["Content-Type"]  # WhiteNoise's headers say it, for a 304 too
        for key, value in answer.headers:
            response[key] = value
        return response

    def add_files(self, root: str, prefix: str | None = None) -> None:
        if os.path.isdir(root):  # STATIC_ROOT is made by the first collect: before it, no warning
            super().add_files(root, prefix)

    def add_files_from_finders(self) -> None:
        """The source tree's files, for what collectstatic has not collected: a collected copy
        wins, since its compressed twin lies beside it."""
        collected = dict(self.files)
        super().add_files_from_finders()
        self.files.update(collected)


def climbs_out(path: str, prefix: str) -> bool:
    """Whether `path` (percent-decoded, as Django hands it over) leaves `prefix` once its `..` are
    resolved, or hides a climb behind a backslash."""
    return "\\" in path or not posixpath.normpath(path).startswith(prefix) or ".." in path.split("/")
