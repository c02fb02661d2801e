"""URL converters."""

from werkzeug.routing import IntegerConverter


class IdConverter(IntegerConverter):
    """A database id: 1..2^31-1, so a huge number in a URL is a 404, not a database error."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)
