"""Headless Chromium through Selenium, for the portal as a person uses it (test_browser.py).

Debian's `chromium` and `chromium-driver` only: the driver's path is given, so Selenium
Manager never looks for (or downloads) another. Chromium records every response it gets
(the performance log), so a test can read the headers the browser really saw."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By

from tests.chromium import browser

T = TypeVar("T")
PHONE, DESKTOP = 375, 1280


def missing() -> str:
    """Why no browser test can run here; "" when Chromium and its driver are installed."""
    if browser() is None:
        return "no Chromium installed (Debian: chromium)"
    if shutil.which("chromedriver") is None:
        return "no chromedriver installed (Debian: chromium-driver)"
    return ""


@contextmanager
def chromium() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser())
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--lang=zh-CN", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update"):  # fmt: skip
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(what: Callable[[], T | None], seconds: float = 10, why: str = "") -> T:
    """`what()` once it is truthy; fails after `seconds` saying `why`. A page being
    replaced (a form sent, a refresh) is a page not there yet."""
    end = time.monotonic() + seconds
    while True:
        try:
            found = what()
        except (NoSuchElementException, StaleElementReferenceException):
            found = None
        if found:
            return found
        if time.monotonic() > end:
            raise AssertionError(f"waited {seconds} s for {why or what}")
        time.sleep(0.1)


def text(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").text)


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: dict[str, str]  # names in lower case


def responses(driver: webdriver.Chrome) -> list[Response]:
    """The documents Chromium received since the last call (from its performance log)."""
    seen = []
    for entry in driver.get_log("performance"):  # type: ignore[no-untyped-call]
        message = json.loads(entry["message"])["message"]
        if message["method"] != "Network.responseReceived":
            continue
        if message["params"].get("type") != "Document":
            continue
        response = message["params"]["response"]
        headers = {k.lower(): str(v) for k, v in response["headers"].items()}
        seen.append(Response(response["url"], int(response["status"]), headers))
    return seen


@dataclass(frozen=True)
class Shot:
    path: Path
    scroll_width: int  # wider than the viewport: a horizontal scroll
    wide: list[str]  # the innermost elements reaching past the viewport


WIDE = """
const width = document.documentElement.clientWidth;
const wide = e => e.getBoundingClientRect().right > width + 0.5;
return [document.documentElement.scrollWidth, [...document.body.querySelectorAll('*')]
  .filter(e => wide(e) && ![...e.children].some(wide))
  .map(e => e.tagName + ': ' + (e.textContent || '').trim().slice(0, 40))];
"""


def screenshot(driver: webdriver.Chrome, path: Path, width: int) -> Shot:
    """The whole page at `width` CSS pixels (a phone's viewport below the window's
    minimum, through DevTools' device emulation), measured, then the window as it was."""
    metrics: dict[str, Any] = {"width": width, "height": 800, "deviceScaleFactor": 1,
                               "mobile": width < 600}  # fmt: skip
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        height = int(driver.execute_script("return document.documentElement.scrollHeight"))
        metrics["height"] = min(max(height, 400), 8000)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
        scroll_width, wide = driver.execute_script(WIDE)
        path.parent.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(path)), path
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return Shot(path, int(scroll_width), list(wide))
