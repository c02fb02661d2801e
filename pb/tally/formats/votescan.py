"""The VOTES section of a `.pb` file read straight into integer arrays (NumPy), for speed.

This is where `read_pb_profile` gets its speed; what the format means stays in
`pabulib.py`, and the rules never see any of it. The section's bytes are cut into chunks of
whole lines. In each chunk, byte comparisons find the line ends, the `;` of every line and
the `,` inside the vote cell, so every project id written in the file becomes a token: a
(line, rank) position and a slice of bytes. Each slice is packed into one sortable value
and looked up among the election's project ids with a sorted search, which gives one int32
row of project indices per voter. Equal rows are then merged into (ranking, voters) pairs.
No Python object is made per voter or per id.

The scanner is strict: a line it would not read exactly as `parse_pb` does (a short or long
line, a space or any other extra byte around an id, an empty or unknown id) makes it return
None, and the caller reads the file a slower way that explains the problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from pb.tally.compress import distinct_rows

CHUNK = 1 << 18  # bytes of the VOTES section per step: arrays that stay in cache, and memory
# that the next chunk reuses (1 MB chunks touched 4x the memory, and were 5-20% slower)
NEWLINE, SEMICOLON, COMMA = ord("\n"), ord(";"), ord(",")


def scan_votes(data: bytes, start: int, header: Sequence[str], ids: Sequence[str],
               progress: Callable[[int, int], None] | None = None
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """Distinct ballots of the VOTES rows in `data[start:]`, or None if a line is irregular.

    `data` must use "\\n" line breaks only; `header` is the section's (stripped) header
    cells, which name the `vote` column; `ids` are the project ids in index order.
    Returns (matrix, weights): one row per distinct ballot (int32 indices into `ids`,
    padded with -1, as wide as the longest ballot and at least 1), in lexicographic order,
    and the number of voters who cast each. Repeated ids and the rank limit are the
    caller's to check. `progress(done, total)` is called after each chunk (bytes).
    """
    lookup = _IdLookup(ids)
    columns, vote = len(header), list(header).index("vote")
    rows: list[np.ndarray] = []
    pos, size = start, len(data)
    while pos < size:
        end = data.find(b"\n", min(pos + CHUNK, size - 1))
        end = size if end < 0 else end + 1
        chunk = np.frombuffer(data, dtype=np.uint8, count=end - pos, offset=pos)
        found = _chunk_rows(chunk, columns, vote, lookup)
        if found is None:
            return None
        rows.append(found)
        pos = end
        if progress is not None:
            progress(pos - start, size - start)
    width = max([m.shape[1] for m in rows], default=1)
    matrix = np.concatenate([_pad(m, width) for m in rows]) if rows else \
        np.empty((0, width), dtype=np.int32)
    return distinct_rows(matrix)


def _chunk_rows(b: np.ndarray, columns: int, vote: int, lookup: _IdLookup) -> np.ndarray | None:
    """One int32 row of project indices per non-blank line of `b` (whole lines)."""
    if b[-1] != NEWLINE:
        b = np.append(b, np.uint8(NEWLINE))  # the file's last line has no line break
    # Every separator in order (line ends, `;`, `,`): one pass over the bytes, then the work
    # is on these positions only. A field, or one id of a vote, is the bytes from just
    # after the separator before it up to its separator.
    at = np.flatnonzero((b == NEWLINE) | (b == SEMICOLON) | (b == COMMA))
    kind = b[at]
    start = np.concatenate(([0], at[:-1] + 1))
    fields = _field_ends(kind, columns)
    if fields is None or columns == 1:  # maybe blank lines, which parse_pb skips: drop them
        blank = (kind == NEWLINE) & (start == at)
        blank[1:] &= kind[:-1] == NEWLINE
        if blank.any():
            at, kind, start = at[~blank], kind[~blank], start[~blank]
            fields = _field_ends(kind, columns)
        if fields is None:
            return None
    # the ids of line i's vote cell end at separators first[i] .. last[i]
    last = fields[:, vote]
    first = fields[:, vote - 1] + 1 if vote > 0 else np.concatenate(([0], fields[:-1, -1] + 1))
    edge = np.zeros(len(at) + 1, dtype=np.int8)
    edge[first] += 1
    edge[last + 1] -= 1
    token = np.flatnonzero(np.cumsum(edge[:-1], dtype=np.int8).view(bool))
    token_start = start.take(token)
    length = at.take(token) - token_start
    ids = last - first + 1
    before = np.cumsum(ids) - ids  # ids in the lines before
    if not length.all():  # an empty vote is an empty ballot; an empty id beside others is refused
        alone = (ids == 1) & (length[before] == 0)
        if np.count_nonzero(alone) != len(length) - np.count_nonzero(length):
            return None
        token_start, length = token_start[length > 0], length[length > 0]
        ids[alone] = 0
        before = np.cumsum(ids) - ids
    index = lookup.find(b, token_start, length)
    if index is None:
        return None
    n, width = len(ids), max(int(ids.max(initial=0)), 1)
    matrix = np.full((n, width), -1, dtype=np.int32)
    # the id at rank r of line i goes to cell i * width + r
    matrix.ravel()[np.arange(len(index)) + np.repeat(np.arange(n) * width - before, ids)] = index
    return matrix


def _field_ends(kind: np.ndarray, columns: int) -> np.ndarray | None:
    """Which separators end each line's fields, one row per line, or None if a line does not
    have exactly `columns` fields (`columns` - 1 times `;`, then the line end)."""
    ends = np.flatnonzero(kind != COMMA)
    if len(ends) % columns:
        return None
    ends = ends.reshape(-1, columns)
    if not (np.all(kind[ends[:, -1]] == NEWLINE) and np.all(kind[ends[:, :-1]] == SEMICOLON)):
        return None
    return ends


class _IdLookup:
    """Project ids as one comparable value each, to find every token's project index at once.

    Ids of up to 8 bytes are read as little-endian 64-bit integers (the bytes, then zeros),
    and so is each token, from its bytes at its start, with the bytes past its length
    masked off; such a value is found with a small hash table (multiply-shift
    hashing, with a multiplier under which no two ids share a slot). Longer ids, or ids no
    multiplier separates, are compared as sorted values (fixed-width byte strings beyond 8
    bytes) with a binary search. Either way a token must then match an id's value and
    length exactly.
    """

    MASKS = np.array([(1 << 8 * n) - 1 for n in range(8)] + [2**64 - 1], dtype=np.uint64)
    MULTIPLIERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                   0xD6E8FEB86659FD93)  # odd 64-bit constants (golden ratio, xxHash primes)

    def __init__(self, ids: Sequence[str]) -> None:
        encoded = [i.encode() for i in ids]
        self.width = max(map(len, encoded), default=0)
        lengths = np.array([len(e) for e in encoded], dtype=np.int64)
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
        keys = self.read(np.frombuffer(b"".join(encoded), dtype=np.uint8), starts, lengths)
        self.order = np.argsort(keys, kind="stable").astype(np.int32)
        self.keys = keys[self.order]
        self.lengths = lengths[self.order]
        self.table: np.ndarray | None = None  # slot -> position in self.keys
        bits = 2 * len(ids).bit_length() + 1  # 2n² slots or more: collisions are rare
        if self.width <= 8 and len(ids) and bits <= 22:
            self.shift = np.uint64(64 - bits)
            for multiplier in self.MULTIPLIERS:
                self.multiplier = np.uint64(multiplier)
                slots = self.slot(self.keys)
                if len(set(slots.tolist())) == len(slots):
                    self.table = np.zeros(1 << bits, dtype=np.int32)
                    self.table[slots] = np.arange(len(slots))
                    break

    def slot(self, keys: np.ndarray) -> np.ndarray:
        """Multiply-shift hash: the top bits of keys * multiplier (mod 2**64)."""
        return (keys * self.multiplier) >> self.shift

    def read(self, b: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
        """The slices b[start:start + length] as comparable values (see the class)."""
        padded = np.concatenate((b, np.zeros(max(self.width, 8), dtype=np.uint8)))
        if self.width <= 8:  # byte j of every slice at once (faster than unaligned 8-byte reads)
            value = padded.take(start).astype(np.uint64)
            for j in range(1, self.width):
                value |= padded[j:].take(start).astype(np.uint64) << np.uint64(8 * j)
            return value & self.MASKS.take(length)
        table = np.zeros((len(start), self.width), dtype=np.uint8)
        for j in range(self.width):
            table[:, j] = np.where(length > j, padded[start + j], 0)
        return table.view(f"S{self.width}").ravel()

    def find(self, b: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray | None:
        """The project index of every token, or None if one is not exactly a project id."""
        if len(start) and (not len(self.keys) or int(length.max()) > self.width):
            return None
        keys = self.read(b, start, length)
        if self.table is not None:
            at = self.table.take(self.slot(keys))
        else:
            at = np.minimum(np.searchsorted(self.keys, keys), max(len(self.keys) - 1, 0))
        # same value and same length: same bytes (a 0 byte cannot pass for padding)
        if len(start) and not (np.array_equal(self.keys.take(at), keys)
                               and np.array_equal(self.lengths.take(at), length)):
            return None
        return self.order.take(at)


def _pad(matrix: np.ndarray, width: int) -> np.ndarray:
    """`matrix` widened to `width` columns with -1."""
    if matrix.shape[1] == width:
        return matrix
    out = np.full((len(matrix), width), -1, dtype=np.int32)
    out[:, :matrix.shape[1]] = matrix
    return out
