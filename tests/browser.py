"""A tiny headless-Chromium harness (selenium + Debian's chromium-driver), network blocked.

Used by tests/test_browser.py and benchmarks/bench_maps.py. Chromium resolves no host name
(`--host-resolver-rules`) and DevTools blocks every http(s) URL, so a page that needs the
network to draw its data fails here as it would in a meeting room with no Wi-Fi. Selenium is
given the driver's path, so selenium-manager never downloads anything.
"""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

CHROMIUM = os.environ.get("PLHGIS_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("PLHGIS_CHROMEDRIVER", "/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--hide-scrollbars", "--force-device-scale-factor=1")


def available() -> str | None:
    """None when the harness can run, else why not (for pytest.skip)."""
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        return "chromium is not installed (apt-get install chromium chromium-driver)"
    if not (Path(CHROMEDRIVER).exists() or shutil.which("chromedriver")):
        return "chromedriver is not installed (apt-get install chromium-driver)"
    try:
        import selenium  # noqa: F401
        import PIL  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


class Browser:
    """One headless Chromium: open a file, read its console, click, take screenshots."""

    def __init__(self, width: int = 1280, height: int = 900):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--window-size={width},{height}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver")
        os.environ.setdefault("SE_AVOID_STATS", "true")
        self.driver = webdriver.Chrome(service=Service(executable_path=driver), options=options)
        self.driver.execute_cdp_cmd("Network.enable", {})
        self.driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*"]})
        self.logs: list[dict] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.driver.quit()

    def open(self, path, ready: str = "window.PLH_DRAWN", timeout: float = 20) -> float:
        """Load a local file and wait until `ready` is true (by default: every overlay of its map drawn,
        the clustered markers, added after the first paint, included); returns the seconds it took."""
        start = time.perf_counter()
        self.driver.get(Path(path).resolve().as_uri())
        self.wait(ready, timeout)
        return time.perf_counter() - start

    def wait(self, expression: str, timeout: float = 10):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.js(f"return !!({expression});"):
                return
            time.sleep(0.05)
        raise TimeoutError(f"still false after {timeout}s: {expression}")

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def console(self) -> list[dict]:
        """Console entries since the last call (level, source, message)."""
        self.logs += self.driver.get_log("browser")
        out, self.logs = self.logs, []
        return out

    def js_errors(self, entries=None) -> list[str]:
        """Severe console entries except blocked network loads (base tiles offline)."""
        entries = self.console() if entries is None else entries
        return [e["message"] for e in entries if e["level"] == "SEVERE" and e.get("source") != "network"]

    def first_paint_ms(self, timeout: float = 5) -> float | None:
        """First contentful paint of the page, in ms from navigation (polled: it lands late)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            paints = self.js("return performance.getEntriesByType('paint').map(e => [e.name, e.startTime]);")
            times = dict(paints or [])
            if times:
                return times.get("first-contentful-paint") or times.get("first-paint")
            time.sleep(0.05)
        return None

    def screenshot(self, path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(path))
        return path


def painted_share(png_path, background=((255, 255, 255), (242, 239, 233), (221, 221, 221))) -> float:
    """Share of pixels that are not a background colour (white, the map's beige, Leaflet's grey)."""
    import numpy as np
    from PIL import Image

    img = np.asarray(Image.open(png_path).convert("RGB"), dtype=np.int32)[::3, ::3].reshape(-1, 3)
    near = np.zeros(len(img), dtype=bool)
    for colour in background:
        near |= np.abs(img - np.array(colour)).sum(axis=1) < 24
    return float((~near).mean())


def print_to_pdf(page, pdf) -> Path:
    """Print a local page with headless Chromium's own --print-to-pdf (network blocked, no header/footer)."""
    import subprocess

    binary = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    pdf = Path(pdf)
    subprocess.run([binary, *FLAGS, "--no-pdf-header-footer", "--virtual-time-budget=5000",
                    f"--print-to-pdf={pdf}", Path(page).resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)
    return pdf
