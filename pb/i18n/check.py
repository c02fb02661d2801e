"""`python -m pb.i18n.check`: fail when any catalog is stale, incomplete or inconsistent.

Checks that extraction finds exactly the strings in messages.pot and in every locale's
catalog, that nothing is untranslated, fuzzy or obsolete, and that every translation uses the
same %(placeholders)s as its source, so a translation can never crash or leak a raw variable.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def extract() -> set[str]:
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "fresh.pot"
        subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
            [sys.executable, "-m", "babel.messages.frontend", "extract", "--ignore-dirs", ".* __pycache__", "-F", "babel.cfg",
             "-k", "_l", "-k", "lazy_gettext", "--no-location", "-o", str(pot), "."],
            cwd=ROOT, check=True, capture_output=True)
        return _ids(pot)


def _ids(path: Path) -> set[str]:
    with path.open("rb") as f:
        return {_key(m.id) for m in read_po(f) if m.id}


def _key(msgid) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def problems() -> list[str]:
    found, fresh = [], extract()
    pot_ids = _ids(TRANSLATIONS / "messages.pot")
    if fresh != pot_ids:
        found.append(f"messages.pot is stale: {len(fresh - pot_ids)} new, {len(pot_ids - fresh)} "
                     f"gone (run `make i18n`): {sorted(fresh ^ pot_ids)[:5]}")
    for po_path in sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")):
        locale = po_path.parts[-3]
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=locale)
        ids = set()
        for message in catalog:
            if not message.id:
                continue
            ids.add(_key(message.id))
            sources = message.id if isinstance(message.id, tuple) else (message.id,)
            targets = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                found.append(f"{locale}: fuzzy: {sources[0]!r}")
            if not all(targets):
                found.append(f"{locale}: untranslated: {sources[0]!r}")
                continue
            wanted = placeholders(sources[-1]) | placeholders(sources[0])
            for target in targets:
                if placeholders(target) - wanted or (not isinstance(message.id, tuple) and placeholders(target) != wanted):
                    found.append(f"{locale}: placeholders differ in {sources[0]!r}: {target!r}")
        if catalog.obsolete:
            found.append(f"{locale}: {len(catalog.obsolete)} obsolete entries")
        if ids != fresh:
            found.append(f"{locale}: catalog out of date with the code ({len(fresh - ids)} missing, "
                         f"{len(ids - fresh)} extra); run `make i18n`")
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(line, file=sys.stderr)
    locales = len(list(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po")))
    print(f"i18n: {locales} catalogs checked, {len(found)} problems")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
