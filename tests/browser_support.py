"""Helpers for the browser end-to-end tests (tests/test_browser.py): a headless Debian Chromium driven
by Debian's selenium, sign-in, screenshots, the page's network log and console errors.

Nothing here knows about vms's process: the tests pass a base URL (http://127.0.0.1:PORT).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from urllib.parse import urlparse

from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import os

SCREENSHOTS_DIR = Path(os.environ.get("VMS_SCREENSHOTS") or Path(__file__).resolve().parent / "artifacts" / "screenshots")
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

DESKTOP = (1280, 800)
PHONE = (390, 844)


def make_driver(size=DESKTOP, scheme="dark"):
    """Headless Chromium with the performance (network) log and the browser console log enabled;
    `scheme` is the emulated prefers-color-scheme (the UI is dark by default)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={size[0]},{size[1]}",
        "--autoplay-policy=no-user-gesture-required",
        "--mute-audio",
        # Chromium's own background traffic (updates, safe browsing, translation, metrics) is switched
        # off so that the network log shows only what the pages ask for.
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-features=Translate,OptimizationHints,MediaRouter,InterestFeedContentSuggestions",
        "--metrics-recording-only",
        "--password-store=basic",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    # "eager": get() returns at DOMContentLoaded; an endless MJPEG stream must not hold it up.
    options.page_load_strategy = "eager"
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    # Headless windows include no browser chrome: make the viewport exactly the size asked for.
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": size[0], "height": size[1], "deviceScaleFactor": 1, "mobile": size[0] < 600},
    )
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    driver.vms_network = []  # every network event read so far (see network_requests)
    return driver


def wait_for(driver, predicate, timeout=10.0, what="condition", interval=0.1):
    """Poll `predicate(driver)` until truthy; ignores stale/missing elements while polling."""

    def safe(d):
        try:
            return predicate(d)
        except (NoSuchElementException, StaleElementReferenceException):
            return False

    try:
        return WebDriverWait(driver, timeout, poll_frequency=interval).until(safe)
    except TimeoutException:
        raise AssertionError(
            f"timed out after {timeout:.1f}s waiting for {what} on {driver.current_url}\n"
            f"console: {console_errors(driver, keep=True)}"
        ) from None


def css(driver, selector):
    return driver.find_elements(By.CSS_SELECTOR, selector)


def one(driver, selector, timeout=10.0):
    return wait_for(driver, lambda d: (css(d, selector) or [None])[0], timeout, f"element {selector}")


def visible(driver, selector, timeout=10.0):
    def shown(d):
        for element in css(d, selector):
            if element.is_displayed():
                return element
        return None

    return wait_for(driver, shown, timeout, f"visible {selector}")


def click(driver, element):
    """Scroll into view and click (JS click as a fallback when something overlaps, e.g. a toast)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
    try:
        element.click()
    except WebDriverException:
        driver.execute_script("arguments[0].click();", element)


def sign_in(driver, base_url, user, password, next_path="/"):
    driver.get(f"{base_url}/login.html?next={next_path}")
    one(driver, "#name").send_keys(user)
    one(driver, "#password").send_keys(password)
    click(driver, one(driver, "#login-submit"))
    wait_for(driver, lambda d: "/login.html" not in d.current_url, 10, "leaving the sign-in page")
    wait_for(driver, lambda d: css(d, "[data-role=user-name]"), 10, "the header with the user name")


def confirm_dialog(driver):
    click(driver, visible(driver, "dialog[open] [data-role=confirm-ok]"))


def screenshot(driver, name, size_label):
    """Save tests/artifacts/screenshots/<name>-<size>.png after images and fonts settle."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    time.sleep(0.4)  # let a toast's entry animation or an image decode finish
    path = SCREENSHOTS_DIR / f"{name}-{size_label}.png"
    driver.save_screenshot(str(path))
    return path


def read_network(driver):
    """Drain the performance log into driver.vms_network; returns the new Network.* events."""
    fresh = []
    for entry in driver.get_log("performance"):
        try:
            message = json.loads(entry["message"])["message"]
        except (KeyError, ValueError):
            continue
        if message.get("method", "").startswith("Network."):
            fresh.append(message)
    driver.vms_network.extend(fresh)
    return fresh


def network_urls(driver):
    """Every URL the pages asked for (requests and WebSocket connections) since the driver started."""
    read_network(driver)
    urls = []
    for message in driver.vms_network:
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls.append(params.get("request", {}).get("url", ""))
        elif message["method"] == "Network.webSocketCreated":
            urls.append(params.get("url", ""))
    return urls


def foreign_requests(driver, allowed_host="127.0.0.1"):
    """URLs whose host is not `allowed_host` (data: and blob: URLs never leave the page)."""
    bad = []
    for url in network_urls(driver):
        parsed = urlparse(url)
        if parsed.scheme in ("data", "blob", "about", "chrome", "devtools", ""):
            continue
        if parsed.hostname != allowed_host:
            bad.append(url)
    return bad


def console_errors(driver, keep=False):
    """Severe browser console entries, less those that the tests cause on purpose (401 before
    sign-in, a refused request of a viewer, an aborted media request when a clip changes)."""
    try:
        entries = driver.get_log("browser")
    except WebDriverException:
        return []
    if keep:
        driver.vms_console = getattr(driver, "vms_console", []) + entries
    errors = []
    for entry in entries:
        if entry.get("level") != "SEVERE":
            continue
        text = entry.get("message", "")
        if re.search(r"status of (401|403|409)|ERR_ABORTED|net::ERR_CONNECTION_REFUSED|favicon", text):
            continue
        errors.append(text)
    return errors
