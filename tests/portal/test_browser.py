"""The portal in a real browser (Debian's chromium, headless, driven by Selenium) against the
served backend: a partner admin, a read-only user, a customer's guest and another partner's
user, each seeing what they may. Screenshots of every page go to build/test-artifacts/."""

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.ui import Select, WebDriverWait

from partnerfleet_backend.portal.web import eur
from partnerfleet_backend.settings import Settings
from tests.reports.test_reports import logo_png
from tests.support.api import (
    Caller,
    PartnerHandle,
    make_customer,
    make_partner,
    product_reports,
    upload_logo,
)
from tests.support.portal import PASSWORD, make_user, totp_code

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts" / "portal"
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None,
    reason="chromium and chromedriver are installed by scripts/ensure-chromium (make test)",
)


@pytest.fixture
def chrome(tmp_path: Path) -> Iterator[tuple[WebDriver, Path]]:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.mkdtemp(prefix="chromium-")
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1100",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "plugins.always_open_pdf_externally": True,
        },
    )
    driver = webdriver.Chrome(service=Service(str(DRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver, downloads
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shot(driver: WebDriver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def sign_in(driver: WebDriver, base: str, email: str) -> None:
    driver.delete_all_cookies()
    driver.get(f"{base}/portal")
    assert "/portal/sign-in" in driver.current_url
    field = driver.find_element(By.ID, "email")
    field.send_keys(email)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
    # in, or on to the second factor's code
    WebDriverWait(driver, 15).until(lambda d: urlparse(d.current_url).path != "/portal/sign-in")


def page_text(driver: WebDriver, where: str = "body") -> str:
    """The text of the page's first `where` (a CSS selector), read in one script: no element
    handle that a page load can take away between finding it and reading it (chromium then
    answers "Node with given id does not belong to the document", not a stale-element error)."""
    script = "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';"
    return str(driver.execute_script(script, where))


def wait_for_text(driver: WebDriver, text: str, where: str = "body") -> None:
    """Wait until the page shows the text (while a form's answer loads, a read may fail)."""
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(
        lambda d: text in page_text(d, where)
    )


def figure(driver: WebDriver, name: str) -> str:
    return str(driver.find_element(By.CSS_SELECTOR, f'[data-figure="{name}"]').text)


def downloaded(folder: Path, suffix: str, timeout: float = 15) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done:
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} in {list(folder.iterdir())}")


def fleet(operator: Caller) -> tuple[PartnerHandle, dict[str, Any]]:
    """A partner with credit, white label, a logo, a support contact, customers, licenses, a
    trial and a customer using more than it licensed."""
    p = make_partner(operator, name="Elbe Managed Services", top_up_cents=220_000)
    p.write.patch(
        "/v1/me",
        {
            "support_contact": {
                "phone": "+49 40 123 456",
                "email": "support@elbe-ms.example",
                "hours": "Mon-Fri 8-18",
            }
        },
        expect=200,
    )
    p.write.post("/v1/addons", {"option": "white-label"}, expect=201)
    assert upload_logo(p.write, logo_png()).status_code == 204
    school = make_customer(
        p, name="Gymnasium Altona", segment="school", reference="GA-01", support_by="partner"
    )
    office = make_customer(p, name="Kanzlei Schulz", segment="business")
    lic = p.write.post(
        "/v1/licenses",
        {
            "customer_id": school["id"],
            "product": "dns-filter",
            "edition": "proplus",
            "term_months": 1,
            "seats": 120,
        },
        expect=201,
    ).json()
    p.write.post(
        "/v1/licenses",
        {
            "customer_id": office["id"],
            "product": "dns-filter",
            "edition": "pro",
            "term_months": 12,
            "seats": 15,
            "trial": True,
        },
        expect=201,
    )
    product_reports(p.read, lic["license_key"], 131)
    return p, school


def test_people_in_the_portal(
    chrome: tuple[WebDriver, Path],
    live_service: str,
    live_operator: Caller,
    settings: Settings,
) -> None:
    driver, downloads = chrome
    base = live_service
    p, school = fleet(live_operator)
    other = make_partner(live_operator, name="Other MSP")
    admin = make_user(settings, "partner", "admin", partner_id=p.id)
    reader = make_user(settings, "partner", "read_only", partner_id=p.id)
    guest = make_user(settings, "customer", "guest", customer_id=school["id"])
    stranger = make_user(settings, "partner", "admin", partner_id=other.id)

    # the partner's admin: the front page shows the API's figures
    sign_in(driver, base, admin)
    assert driver.current_url.endswith(f"/portal/p/{p.id}")
    view = p.read.get("/v1/overview", expect=200).json()
    assert figure(driver, "available") == eur(view["credit"]["available_cents"])
    assert figure(driver, "renewals-cost") == eur(view["renewals"]["cost_cents"])
    assert figure(driver, "next-level").lower() == view["level"]["next_month"]
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "GA-01: dns-filter, 131 used of 120 licensed" in body  # under-licensed
    assert "Trials (1)" in body
    shot(driver, "1-partner-front-page")
    for page in ("licenses", "ledger", "customers", "audit"):
        driver.get(f"{base}/portal/p/{p.id}/{page}")
        assert driver.find_element(By.TAG_NAME, "h1").text
        shot(driver, f"2-partner-{page}")
    driver.get(f"{base}/portal/p/{p.id}/licenses?product=dns-filter&status=trial")
    rows = driver.find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == 1 and "Kanzlei Schulz" in rows[0].text
    driver.get(f"{base}/portal/p/{p.id}")
    month = view["as_of"][:7]
    driver.find_element(By.PARTIAL_LINK_TEXT, "as CSV").click()
    csv_file = downloaded(downloads, ".csv")
    assert csv_file.read_bytes().startswith(b"\xef\xbb\xbfdate,kind")
    driver.get(f"{base}/portal/p/{p.id}")
    driver.find_element(By.PARTIAL_LINK_TEXT, "statement of").click()
    pdf_file = downloaded(downloads, ".pdf")
    assert pdf_file.name == f"statement-{month}.pdf" and pdf_file.read_bytes()[:5] == b"%PDF-"

    # a form posted without its token is refused
    driver.get(f"{base}/portal/p/{p.id}/profile")
    driver.execute_script(
        "const f = document.querySelector('main form');"
        "f.querySelector('[name=csrf_token]').remove();"
        "f.querySelector('#billing_email').value = 'forged@example.org'; f.submit();"
    )
    wait_for_text(driver, "403", "h1")
    assert "403" in driver.find_element(By.TAG_NAME, "h1").text
    shot(driver, "3-form-without-token-refused")
    assert p.read.get("/v1/me").json()["billing_email"] != "forged@example.org"

    # a read-only user reads, and cannot change anything
    sign_in(driver, base, reader)
    driver.get(f"{base}/portal/p/{p.id}/profile")
    assert not driver.find_elements(By.CSS_SELECTOR, "main form button[type=submit]")
    assert driver.find_element(By.ID, "billing_email").get_attribute("readonly") is not None
    shot(driver, "4-read-only-profile")
    driver.execute_script("document.querySelector('main form').submit();")
    wait_for_text(driver, "403", "h1")
    assert "403" in driver.find_element(By.TAG_NAME, "h1").text

    # the customer's guest: only its org, the partner's support and logo, no money
    sign_in(driver, base, guest)
    assert driver.current_url.endswith(f"/portal/c/{school['id']}")
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "Gymnasium Altona" in body and "+49 40 123 456" in body
    assert "Elbe Managed Services" in body and "EUR" not in body and "Ledger" not in body
    logo = driver.find_element(By.ID, "partner-logo")
    assert driver.execute_script("return arguments[0].naturalWidth", logo) == 120
    shot(driver, "5-customer-guest")
    driver.get(f"{base}/portal/p/{p.id}/ledger")
    assert "404" in driver.find_element(By.TAG_NAME, "h1").text

    # another partner's user cannot reach this partner's pages by URL
    sign_in(driver, base, stranger)
    for path in (f"/portal/p/{p.id}", f"/portal/p/{p.id}/licenses", f"/portal/c/{school['id']}"):
        driver.get(f"{base}{path}")
        assert "404" in driver.find_element(By.TAG_NAME, "h1").text, path
    shot(driver, "6-other-partner-refused")

    # the API reference renders from the app's own files (no internet here)
    driver.get(f"{base}/docs")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not driver.find_elements(By.CSS_SELECTOR, ".opblock"):
        time.sleep(0.2)
    assert len(driver.find_elements(By.CSS_SELECTOR, ".opblock")) > 40
    shot(driver, "7-api-reference")
    assert requests.get(f"{base}/docs-static/swagger-ui.css", timeout=5).ok


def test_a_customer_chooses_who_pays_and_downloads_its_invoice(
    chrome: tuple[WebDriver, Path],
    live_service: str,
    live_operator: Caller,
    settings: Settings,
) -> None:
    driver, downloads = chrome
    base = live_service
    p = make_partner(live_operator, name="Nord MSP", top_up_cents=110_000)
    org = make_customer(p, name="Amt Nordheide", segment="public_admin")
    admin = make_user(settings, "customer", "admin", customer_id=org["id"])
    partner_admin = make_user(settings, "partner", "admin", partner_id=p.id)

    sign_in(driver, base, admin)
    driver.get(f"{base}/portal/c/{org['id']}/settings")
    Select(driver.find_element(By.ID, "payer")).select_by_value("customer")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(driver, "Saved.")
    shot(driver, "6-customer-chooses-who-pays")
    assert p.read.get(f"/v1/customers/{org['id']}").json()["pays"] == "customer"

    body = {"customer_id": org["id"], "product": "dns-filter", "edition": "pro"}
    p.write.post("/v1/licenses", {**body, "term_months": 12, "seats": 5}, expect=201)
    driver.get(f"{base}/portal/c/{org['id']}")
    assert figure(driver, "pays").startswith("you")
    link = driver.find_element(By.CSS_SELECTOR, "#inv-h ~ table tbody a")
    number = link.text
    assert number.startswith("INV-")
    shot(driver, "7-customer-invoices")
    link.click()
    pdf_file = downloaded(downloads, ".pdf")
    assert pdf_file.name == f"invoice-{number}.pdf" and pdf_file.read_bytes()[:5] == b"%PDF-"

    # the partner's admin sees the org, never its invoices
    sign_in(driver, base, partner_admin)
    driver.get(f"{base}/portal/c/{org['id']}")
    assert number not in driver.find_element(By.TAG_NAME, "body").text
    assert not driver.find_elements(By.ID, "inv-h")


def test_an_org_on_its_own_invites_a_partner_who_accepts(
    chrome: tuple[WebDriver, Path],
    live_service: str,
    live_operator: Caller,
    settings: Settings,
) -> None:
    driver, _ = chrome
    base = live_service
    old = make_partner(live_operator, name="Altes Systemhaus")
    org = make_customer(old, name="Stiftung Heide", segment="business")
    admin = make_user(settings, "customer", "admin", customer_id=org["id"])
    old.write.delete(f"/v1/customers/{org['id']}", expect=200)  # on its own now
    chosen = make_partner(live_operator, name="Heide IT " + org["id"][-6:])
    live_operator.patch(f"/v1/partners/{chosen.id}", {"billing_email": "it@heide.example"})
    chosen_admin = make_user(settings, "partner", "admin", partner_id=chosen.id)

    sign_in(driver, base, admin)
    driver.get(f"{base}/portal/c/{org['id']}")
    driver.find_element(By.LINK_TEXT, "Invite a partner").click()
    driver.find_element(By.ID, "partner").send_keys("IT@heide.example")
    Select(driver.find_element(By.ID, "access")).select_by_value("full")
    Select(driver.find_element(By.ID, "payer")).select_by_value("customer")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(driver, "Invitation sent")
    shot(driver, "8-org-invites-a-partner")

    sign_in(driver, base, chosen_admin)
    driver.get(f"{base}/portal/p/{chosen.id}")
    driver.find_element(By.LINK_TEXT, "Invitations").click()
    assert "Stiftung Heide" in driver.find_element(By.TAG_NAME, "main").text
    shot(driver, "9-partner-answers-an-invitation")
    driver.find_element(By.CSS_SELECTOR, "button[value=accept]").click()
    wait_for_text(driver, "accepted")
    mine = chosen.read.get(f"/v1/customers/{org['id']}", expect=200).json()
    assert (mine["access"], mine["pays"]) == ("full", "customer")


def _enter_code(driver: WebDriver, code: str) -> None:
    """Type a code into the page's code field and send it (and wait for the next page)."""
    for _ in range(5):  # the page may still be replacing the one before it
        try:
            field = driver.find_element(By.ID, "code")
            field.clear()
            field.send_keys(code)
            button = driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]")
            break
        except WebDriverException:
            time.sleep(0.3)
    button.click()
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(staleness_of(field))


def test_a_second_factor_a_lost_phone_and_wrong_codes(
    chrome: tuple[WebDriver, Path], live_service: str, live_operator: Caller, settings: Settings
) -> None:
    """A partner's admin turns the second factor on from a scanned key; signs in with a code;
    with a recovery code (the phone lost); five wrong codes send it back to the password."""
    driver, _ = chrome
    p = make_partner(live_operator, name="Weser IT", top_up_cents=55_000)
    email = make_user(settings, "partner", "admin", partner_id=p.id)
    sign_in(driver, live_service, email)
    driver.find_element(By.LINK_TEXT, "Security").click()
    assert driver.find_element(By.CSS_SELECTOR, ".qr svg")  # a QR code to scan
    secret = driver.find_element(By.ID, "totp-secret").text
    _enter_code(driver, totp_code(secret))
    codes = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#recovery-codes code")]
    assert len(codes) == 10
    shot(driver, "second-factor-recovery-codes")

    # the password alone is not enough any more
    sign_in(driver, live_service, email)
    assert "/portal/sign-in/code" in driver.current_url
    _enter_code(driver, totp_code(secret, 1))
    WebDriverWait(driver, 15).until(lambda d: f"/portal/p/{p.id}" in d.current_url)

    # the phone is lost: a recovery code
    sign_in(driver, live_service, email)
    _enter_code(driver, codes[3])
    WebDriverWait(driver, 15).until(lambda d: f"/portal/p/{p.id}" in d.current_url)
    driver.get(f"{live_service}/portal/me/second-factor")
    assert "9 recovery codes left" in driver.find_element(By.ID, "second-factor-state").text

    # wrong codes: four tries are said, the fifth ends the sign-in
    sign_in(driver, live_service, email)
    for _ in range(4):
        _enter_code(driver, "123456" if totp_code(secret) != "123456" else "654321")
        assert "not the one your app shows" in driver.find_element(By.CLASS_NAME, "error").text
    shot(driver, "second-factor-wrong-code")
    _enter_code(driver, "000000" if totp_code(secret) != "000000" else "111111")
    WebDriverWait(driver, 15).until(lambda d: d.current_url.endswith("/portal/sign-in?ended=codes"))
    assert "Five wrong codes" in driver.find_element(By.CLASS_NAME, "error").text

    # its sessions: this browser's is listed, and the others can be ended
    sign_in(driver, live_service, email)
    _enter_code(driver, codes[4])
    WebDriverWait(driver, 15).until(lambda d: f"/portal/p/{p.id}" in d.current_url)
    driver.get(f"{live_service}/portal/me/sessions")
    assert "this browser" in driver.find_element(By.TAG_NAME, "table").text
    driver.find_element(By.XPATH, "//button[text()='Sign out everywhere else']").click()
    WebDriverWait(driver, 15).until(lambda d: "notice=others" in d.current_url)
    assert len(driver.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1
    shot(driver, "sessions")


def test_top_up_invoices_and_the_months_resale_lines(
    chrome: tuple[WebDriver, Path], live_service: str, live_operator: Caller, settings: Settings
) -> None:
    """A partner's billing person downloads a top-up's invoice and reads what to bill its
    customers this month."""
    driver, downloads = chrome
    p = make_partner(live_operator, name="Ems Managed IT", top_up_cents=110_000)
    org = make_customer(p, name="Realschule Ost", reference="RS-OST")
    p.write.post(
        "/v1/licenses",
        {
            "customer_id": org["id"],
            "product": "dns-filter",
            "edition": "proplus",
            "term_months": 12,
            "seats": 40,
        },
        expect=201,
    )
    p.write.put("/v1/resale-prices/dns-filter/*", {"markup_bp": 2_000}, expect=200)
    sign_in(driver, live_service, make_user(settings, "partner", "billing", partner_id=p.id))
    driver.find_element(By.LINK_TEXT, "Top-ups").click()
    link = driver.find_element(By.CSS_SELECTOR, "main table tbody a")
    number = link.text
    assert number.startswith("TU-")
    link.click()
    assert downloaded(downloads, f"{number}.pdf").read_bytes().startswith(b"%PDF")
    driver.find_element(By.LINK_TEXT, "Resale").click()
    table = driver.find_element(By.CSS_SELECTOR, "main table").text
    assert "RS-OST" in table and "dns-filter proplus" in table
    shot(driver, "resale-lines")
