"""Screenshots of the key pages at phone and desktop size, for people to look at.

They land in test-artefacts/screenshots/ (git-ignored). Each page is also checked for
requests to other origins while it is captured.
"""

from __future__ import annotations

import pytest

from tests.e2e.browser import Browse
from tests.e2e.pages import screenshot
from tests.e2e.people import create_session
from tests.e2e.server import PortalServer

pytestmark = pytest.mark.e2e

KEY_PAGES = {
    "home": "/",
    "training": "/training/",
    "module-crisis-referral": "/training/crisis-referral/",
    "guidance-teachers": "/guidance/teachers/",
    "schedule": "/training/schedule/",
    "volunteer": "/volunteer/",
    "experts": "/experts/",
    "booking": "/booking/",
    "booking-status": "/booking/status/",
    "attend-code": "/attend/",
    "admin-login": "/admin/",
}


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_key_pages(browse: Browse, portal: PortalServer, device: str) -> None:
    session = create_session(portal, title="校园心理危机识别与转介")
    pages = {**KEY_PAGES,
             "attend-session": f"/attend/?session={session['id']}&code={session['code']}"}
    visit = browse(device)
    for name, path in pages.items():
        response = visit.page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        visit.page.wait_for_load_state("load")
        screenshot(visit.page, f"{name}-{device}")
        visit.guard.check(path)
