"""Java's `java.util.Random`, `Collections.shuffle`, `String` order and `HashSet` order.

RCTab's random tie-breaks are defined by these Java behaviours, so a count that must equal
RCTab's draws the same numbers. Only used with an explicit seed.
"""

from __future__ import annotations

from collections.abc import Sequence

_MULT = 0x5DEECE66D
_MASK = (1 << 48) - 1


class JavaRandom:
    """A 48-bit linear congruential generator, bit-for-bit like `java.util.Random(seed)`."""

    def __init__(self, seed: int) -> None:
        self.seed = (seed ^ _MULT) & _MASK

    def _next(self, bits: int) -> int:
        self.seed = (self.seed * _MULT + 0xB) & _MASK
        return self.seed >> (48 - bits)

    def next_double(self) -> float:
        """`nextDouble()`: 53 random bits in [0, 1)."""
        return ((self._next(26) << 27) + self._next(27)) * 2.0**-53

    def next_int(self, bound: int) -> int:
        """`nextInt(bound)`, with Java's rejection of biased values."""
        if bound & (bound - 1) == 0:
            return (bound * self._next(31)) >> 31
        while True:
            bits = self._next(31)
            value = bits % bound
            if bits - value + (bound - 1) < 2**31:
                return value


def java_key(text: str) -> bytes:
    """Sort key equal to Java's `String.compareTo` (UTF-16 code units)."""
    return text.encode("utf-16-be")


def java_shuffle(items: Sequence[str], rng: JavaRandom) -> list[str]:
    """`Collections.shuffle(list, rng)`."""
    out = list(items)
    for i in range(len(out) - 1, 0, -1):
        j = rng.next_int(i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def java_hash(text: str) -> int:
    """`String.hashCode()` as an unsigned 32-bit value."""
    h = 0
    units = text.encode("utf-16-be")
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
    return h


def hashset_order(items: Sequence[str]) -> list[str]:
    """Iteration order of a `java.util.HashSet` built from `items` in order."""
    capacity = 16
    while capacity < max(int(len(items) / 0.75) + 1, 16):
        capacity *= 2

    def bucket(text: str) -> int:
        h = java_hash(text)
        return (h ^ (h >> 16)) & (capacity - 1)

    return sorted(items, key=bucket)  # stable: same bucket keeps insertion order
