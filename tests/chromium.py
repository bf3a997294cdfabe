"""How a page lays out in headless Chromium at a given viewport width.

The page is shown in an iframe of that width (a headless window cannot be narrower than
500 px); a script in the page measures, after every image has loaded or failed, the
elements reaching past the viewport and the images that did not load, and posts them to
the frame, whose DOM Chromium prints (`--dump-dom`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html import unescape
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
MEASURE = """<script>
addEventListener('load', () => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName + ': ' + (e.textContent || '').trim().slice(0, 60));
  const broken = [...document.images]
    .filter(i => !(i.complete && i.naturalWidth > 0))
    .map(i => i.alt || i.src.slice(0, 60));
  parent.postMessage(JSON.stringify({
    width, scrollWidth: document.documentElement.scrollWidth, wide, broken,
    images: document.images.length,
  }), '*');
});
</script>"""
FRAME = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="page.html" style="border:0;width:{width}px;height:1200px"></iframe>
<script>addEventListener('message', e => {{
  const out = document.createElement('pre'); out.id = 'layout'; out.textContent = e.data;
  document.body.appendChild(out);
}});</script>
</body></html>"""


@dataclass(frozen=True)
class Layout:
    width: int  # the viewport's
    scroll_width: int  # the page's: wider than the viewport means a horizontal scroll
    wide: list[str]  # elements reaching past the viewport
    broken: list[str]  # images that did not load
    images: int


def browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def layout(html: str, width: int) -> Layout:
    executable = browser()
    assert executable is not None, "no Chromium installed"
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "page.html").write_text(html.replace("</body>", MEASURE + "</body>"))
        frame = Path(folder, "frame.html")
        frame.write_text(FRAME.format(width=width))
        done = subprocess.run(
            [executable, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--window-size=1400,1200", "--virtual-time-budget=10000", "--dump-dom",
             frame.as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    found = re.search(r'<pre id="layout">(.*?)</pre>', done.stdout, re.S)
    assert found, f"Chromium printed no measurement: {done.stderr[-2000:]}"
    measured = json.loads(unescape(found.group(1)))
    return Layout(
        width=measured["width"],
        scroll_width=measured["scrollWidth"],
        wide=measured["wide"],
        broken=measured["broken"],
        images=measured["images"],
    )
