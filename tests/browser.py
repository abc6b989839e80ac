"""Driving a real headless Chromium (Debian's ``chromium`` + ``chromium-driver``, through
Selenium) against ``qabot serve`` (started by ``conftest.serving``): shared by the page's
test modules, which take :data:`needs_chromium` as their ``pytestmark`` and
:func:`open_browser` as a fixture."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("QABOT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("QABOT_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1100,1400",
)

needs_chromium = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()),
    reason=f"needs {CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver",
)


def open_browser() -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def waiter(driver: webdriver.Chrome, seconds: int = 30) -> WebDriverWait:
    """Waits that look again when the page redrew the element meanwhile."""
    ignored = (StaleElementReferenceException, NoSuchElementException)
    return WebDriverWait(driver, seconds, ignored_exceptions=ignored)


def click(driver: webdriver.Chrome, selector: str) -> None:
    """Scroll the element to the middle (clear of the sticky question box) and click it."""
    element = driver.find_element(By.CSS_SELECTOR, selector)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def ask(driver: webdriver.Chrome, question: str) -> object:
    """Type ``question`` and press Enter; the newest turn once its answer is in."""
    before = len(driver.find_elements(By.CSS_SELECTOR, ".turn"))
    box = driver.find_element(By.ID, "question")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)
    wait = waiter(driver, 60)
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".turn")) > before)
    selector = ".turn:last-child .a[aria-busy='false']"
    try:
        return wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, selector)))
    except TimeoutException:
        pytest.fail("no answer appeared within a minute")
