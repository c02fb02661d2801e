"""gunicorn settings for production: `gunicorn -c python:pb.security.gunicorn_conf app:app`.

The access log stays on (to stdout; `--access-logfile FILE` on the command line overrides it),
and every value it prints passes through `pb.security.logs.redact`, whatever
`access_log_format` an operator chooses: the request line `%(r)s`, path `%(U)s`, query `%(q)s`,
referer `%(f)s` (the page a button was pressed on, so a one-time link), any request or response
header `{…}i` / `{…}o` (a redirect's Location) and any WSGI variable `{…}e` (RAW_URI,
PATH_INFO). gunicorn's own error log is redacted too ("Error handling request /account/reset/…").
"""

from __future__ import annotations

import logging

from gunicorn.glogging import Logger, SafeAtoms

from pb.security.logs import redact


class RedactedAtoms(SafeAtoms):
    """The access log's values, each redacted as the format reads it (so only the atoms a
    format uses cost anything; gunicorn offers one atom per WSGI variable)."""

    def __getitem__(self, key):
        value = super().__getitem__(key)
        if isinstance(value, str):
            return redact(value)
        if value is None or isinstance(value, int | float):
            return value
        return redact(str(value))


class RedactingFilter(logging.Filter):
    """Redacts gunicorn's error log records: the message and every text argument."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class RedactingLogger(Logger):
    """gunicorn's logger with no one-time token or credential in the access or error log."""

    atoms_wrapper_class = RedactedAtoms

    def setup(self, cfg):
        super().setup(cfg)  # runs again at each configuration reload: add the filter once
        if not any(isinstance(f, RedactingFilter) for f in self.error_log.filters):
            self.error_log.addFilter(RedactingFilter())


logger_class = RedactingLogger
accesslog = "-"
