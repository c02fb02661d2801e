"""`python -m pb.tally FILE --rule ...`: the `tally` command without Flask."""

import os
import sys

from pb.tally.cli import main


def keep_freed_memory() -> None:
    """Let glibc's malloc reuse the memory this process frees instead of handing it back.

    Reading and counting allocate and free arrays of a few MB over and over (a set per MB
    of the VOTES section). With glibc's defaults each one is a fresh mmap, or heap memory
    trimmed back to the system as soon as it is freed, so every chunk of the file pays its
    page faults again: a third of the reading time (300,000 ballots: 50 -> 36 ms; 1M: 181 ->
    112 ms; peak memory the same, since the same memory is reused). This process ends after
    one count, so it keeps what it frees: arrays up to 64 MB come from the heap, and up to
    256 MB of freed heap stays. Only on glibc (elsewhere there is no `mallopt` and nothing
    changes), and not if malloc is tuned in the environment (MALLOC_*, GLIBC_TUNABLES).
    """
    if "GLIBC_TUNABLES" in os.environ or any(k.startswith("MALLOC_") for k in os.environ):
        return
    try:
        import ctypes  # NumPy has loaded it already

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3  # from glibc's malloc.h
    mallopt(m_mmap_threshold, 64 << 20)  # setting one turns off glibc's adaptive thresholds,
    mallopt(m_trim_threshold, 256 << 20)  # so both are set (either alone is slower)


if __name__ == "__main__":
    keep_freed_memory()
    try:
        main()
        code = 0
    except SystemExit as done:  # click ends every run with one
        code = done.code if isinstance(done.code, int) else int(done.code is not None)
    sys.stdout.flush()
    sys.stderr.flush()
    # The process ends here: skip the interpreter's teardown (freeing NumPy's modules and
    # the count's arrays one by one), about 20 ms; nothing is left to write or close.
    os._exit(code)
