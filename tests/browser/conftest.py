"""Playwright harness: Debian's Chromium against the app served on 127.0.0.1."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """The test's app served by a real HTTP server in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def page(browser, live_server):
    from pb.db import db

    db.session.commit()  # the server's threads must see the test's setup
    context = browser.new_context(base_url=live_server, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def twelve_projects(make):
    """A cycle in voting with 12 projects with long texts (a phone's worst ballot) and two codes."""
    from pb.db import db
    from pb.enums import Phase
    from pb.voting.services import issue_access_codes
    from tests.conftest import open_voting

    cycle = make.cycle(phase=Phase.development)
    for n in range(12):
        make.project(cycle, cost_cents=(n + 1) * 5_000_00, title=f"Community project number {n} for the Eastside",
                     summary="A longer description of what this project does for the neighbourhood. " * 3)
    issued = issue_access_codes(actor=None, cycle=cycle, count=2, batch="phone")
    open_voting(cycle)
    db.session.commit()  # the server's threads must see the setup
    return cycle, issued
