"""Regenerate the README screenshots: `make screenshots`.

Loads the demo into a throwaway SQLite database, serves it on 127.0.0.1 in a thread and takes
pictures with Debian's Chromium through Playwright, so the README always shows current pages.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update"]


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from pb.admin.demo import load_demo
    from pb.db import db
    from pb.factory import create_app
    from pb.migrate import upgrade
    from pb.voting.services import issue_access_codes

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/shots.sqlite3", "SECRET_KEY": os.urandom(16).hex()})
        with app.app_context():
            upgrade()
            load_demo()
            from pb.cycles.models import Cycle

            cycle = db.session.query(Cycle).filter_by(slug="eastside-2027").one()
            [code] = issue_access_codes(actor=None, cycle=cycle, count=1, batch="screenshots")
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            shots = {"home.png": "/", "results.png": "/cycles/northgate-2026/results"}
            for name, url in shots.items():
                page.goto(base + url)
                page.screenshot(path=OUT / name, full_page=False)
            phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            phone.goto(base + "/cycles/eastside-2027/vote")
            phone.fill("#code", code)
            phone.locator("form[action$='/vote/code'] button").click()
            phone.locator("select[name^=rank-]").nth(2).select_option("1")
            phone.locator("select[name^=rank-]").nth(0).select_option("2")
            phone.screenshot(path=OUT / "ballot-phone.png")
            phone.goto(base + "/language/ar?next=/cycles/eastside-2027")
            phone.screenshot(path=OUT / "cycle-arabic-phone.png")
            page.goto(base + "/login")
            page.fill("#email", "liaison@example.org")
            page.fill("#password", "demo-password")
            page.locator("form.form button[type=submit]").click()
            page.goto(base + "/kiosk/")
            page.fill("#pin", "4816")
            page.locator("form[action$='/kiosk/sessions'] button").click()
            page.screenshot(path=OUT / "kiosk-start.png")
            browser.close()
        server.shutdown()
    print("screenshots written to", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
