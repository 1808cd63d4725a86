"""A visitor finds a partner in the directory and asks for quotes; the partner answers in the
portal; the visitor cancels with one click. In Debian's chromium against the served backend
(the mails read from the outbox, as the recipient would get them)."""

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from partnerfleet_backend.settings import Settings
from tests.directory.test_tenders import mails
from tests.portal.test_browser import chrome, pytestmark, shot, sign_in, wait_for_text  # noqa: F401
from tests.support.api import Caller, make_partner
from tests.support.portal import make_user
from tests.support.tenders import list_partner, tokens


def test_a_visitor_finds_a_partner_asks_for_quotes_and_gets_an_offer(
    chrome: tuple[WebDriver, object],  # noqa: F811
    live_service: str,
    live_operator: Caller,
    settings: Settings,
) -> None:
    driver, _ = chrome
    base = live_service
    name = f"Polder IT {uuid.uuid4().hex[:4]}"
    p = make_partner(live_operator, name=name)
    live_operator.patch(f"/v1/partners/{p.id}", {"billing_email": "sales@polder.example"})
    list_partner(live_operator, p, country="NL", receives_tenders=True, tender_countries=["NL"])
    admin = make_user(settings, "partner", "admin", partner_id=p.id)

    driver.delete_all_cookies()
    driver.get(f"{base}/directory?country=NL")
    driver.find_element(By.LINK_TEXT, name).click()
    page = driver.find_element(By.TAG_NAME, "main").text
    assert name in page and "silver" in page.lower()
    for private in ("sales@polder.example", "HRB", "EUR"):
        assert private not in driver.page_source, private
    shot(driver, "10-directory-partner-page")

    driver.find_element(By.LINK_TEXT, "Ask for quotes").click()
    visitor = f"it-{uuid.uuid4().hex[:6]}@gemeente.example"
    title = f"Mail for the town hall {uuid.uuid4().hex[:4]}"
    for field, value in (
        ("title", title),
        ("text", "About 80 mailboxes.\nMigration from our old server, <b>soon</b>."),
        ("country", "NL"),
        ("name", "Joost de Vries"),
        ("email", visitor),
        ("phone", "+31 20 5550101"),
    ):
        driver.find_element(By.ID, field).send_keys(value)
    Select(driver.find_element(By.ID, "product")).select_by_value("mail")
    Select(driver.find_element(By.ID, "service")).select_by_value("migration")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(driver, "text only")  # markup is refused, what was typed stays in the form
    text = driver.find_element(By.ID, "text")
    text.clear()
    text.send_keys("About 80 mailboxes.\nMigration from our old server, soon.")
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for_text(driver, "Check your email")
    confirm, cancel = tokens(settings, visitor)
    driver.get(f"{base}/tenders/confirm?t={confirm}")
    wait_for_text(driver, "Published")

    sign_in(driver, base, admin)
    driver.get(f"{base}/portal/p/{p.id}")
    driver.find_element(By.LINK_TEXT, "Requests for quotes").click()
    main = driver.find_element(By.TAG_NAME, "main").text
    assert title in main and visitor in main and "+31 20 5550101" in main
    offer = next(a for a in driver.find_elements(By.TAG_NAME, "article") if title in a.text)
    offer.find_element(By.TAG_NAME, "textarea").send_keys("We move your 80 mailboxes in a day.")
    offer.find_element(By.CSS_SELECTOR, "input[name=price]").send_keys("1250.50")
    offer.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for_text(driver, "You sent an offer")
    shot(driver, "11-partner-answers-a-request")
    (answer,) = [m for m in mails(settings, "tender_offer") if m["to_address"] == visitor]
    assert "1,250.50 EUR" in str(answer["body"]) and f"/directory/{p.id}" in str(answer["body"])

    driver.delete_all_cookies()
    driver.get(f"{base}/tenders/cancel?t={cancel}")
    wait_for_text(driver, "Cancelled")
    sign_in(driver, base, admin)
    driver.get(f"{base}/portal/p/{p.id}/tenders")
    assert title not in driver.find_element(By.TAG_NAME, "main").text
