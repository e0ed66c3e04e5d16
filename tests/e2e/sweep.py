"""The per-page checks of the role sweep (tests/e2e/test_pages_by_role.py).

`Sweep` watches one browser page (one context: a role at a width) and, for each address it
opens, returns the findings as `Finding(path, check, detail)`. The checks:

- `http`: the page or one of its subresources answered 4xx/5xx (the favicon excepted),
  or a request failed outright;
- `console`: a console error or an uncaught exception;
- `csp`: a Content-Security-Policy violation (reported by Chromium on the console);
- `overflow`: the document is wider than the window (horizontal scrolling);
- `latin`: a run of two or more ASCII letters in the visible text outside `ACRONYMS`;
- `money`: an amount without thousands separators (`¥12345`, `12345元`, or a bare
  number of five or more digits in a money column of a table);
- `login`: a login name of a staff member in the visible text;
- `axe`: an axe-core violation with impact critical or serious.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
# axe-core runs at the desktop width only: what it checks (contrast, names, roles,
# landmarks) is the same markup and the same colours at 390 px, and it is the dearest
# check (about 1.5 s a page on this machine), so running it twice would double its cost.
AXE_WIDTHS = frozenset({1440})
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Latin letters a Chinese page may show: acronyms that Chinese staff read as they are
# (the product, the regulator and the market write them so), and units. Keep it short:
# every entry is a word a zh-hans user would also see in Latin on a Chinese brokerage's
# own screens.
ACRONYMS = frozenset(
    {
        "CSV",  # the export and import file type
        "Excel",  # the spreadsheet product's name
        "PDF",  # the printable complaint record
        "CSI",  # customer satisfaction index (the service target)
        "RFM",  # recency-frequency-monetary segmentation
        "VIP",  # the client tier
        "ETF",  # the product type
        "API",  # the integration documentation
        "ID",  # record numbers
        "SMS",  # the message channel
        "HQ",  # headquarters, as branch codes write it
        "SR",  # service request numbers (SR-BJ01-20251030-001)
        "BJ",  # branch codes (BJ01, SH01)
        "SH",
        "OTP",  # one-time password (two-factor set-up)
        "TOTP",  # time-based one-time password: the second factor's standard, in the admin
        "QR",  # the two-factor QR code
        "URL",
        "IP",  # the access log's address column
        "KPI",
        "TOP",  # ranking ("TOP 10")
        "C1",  # risk levels C1-C5 and R1-R5 are written with their letter
    }
)
LATIN = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}(?![A-Za-z])")
# Amounts: a currency sign or 元 next to four or more digits with no separator.
MONEY_TEXT = [
    re.compile(r"¥\s?-?\d{4,}(?:\.\d+)?(?![\d,])"),
    re.compile(r"(?<![\d,.])-?\d{5,}(?:\.\d+)?\s?元"),
]
MONEY_HEADER = re.compile(r"金额|资产|市值|赔偿|余额|收入|（元）|\(元\)|¥")
BARE_NUMBER = re.compile(r"^-?\d{5,}(?:\.\d+)?$")


SAVED = {"screenshots": 0}  # how many this session saved (tests/e2e/conftest.py prints it)


@dataclass(frozen=True)
class Finding:
    path: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path} [{self.check}] {self.detail}"


# The visible text, the document's overflow and the cells of money columns, in one call.
PAGE_FACTS_JS = """() => {
  const root = document.scrollingElement || document.documentElement;
  const moneyCells = [];
  const header = new RegExp(MONEY_HEADER);
  for (const table of document.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')];
    heads.forEach((th, i) => {
      if (!header.test(th.innerText)) return;
      for (const row of table.querySelectorAll('tbody tr')) {
        const cell = row.children[i];
        if (cell) moneyCells.push([th.innerText.trim(), cell.innerText.trim()]);
      }
    });
  }
  const wide = [];
  if (root.scrollWidth > root.clientWidth + 1) {
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > root.clientWidth + 1 && r.width > 0) {
        wide.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
          (el.className && typeof el.className === 'string'
            ? '.' + el.className.trim().split(/\\s+/).slice(0, 2).join('.') : '') +
          ' ' + Math.round(r.right) + 'px');
        if (wide.length >= 3) break;
      }
    }
  }
  // Visible text, less what is marked as not Chinese on purpose: an element in another
  // language (the language menu's "English", lang="en") or not to be translated
  // (translate="no": a code, a secret, a file name).
  let text = document.body.innerText;
  for (const el of document.body.querySelectorAll(
      '[lang]:not([lang^="zh"]), [translate="no"]')) {
    const own = (el.tagName === 'OPTION' ? el.textContent : el.innerText).trim();
    if (own) text = text.replace(own, ' ');
  }
  return {
    text: text,
    lang: document.documentElement.lang,
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    wide: wide,
    moneyCells: moneyCells,
  };
}""".replace("MONEY_HEADER", json.dumps(MONEY_HEADER.pattern))

HTMX_SETTLED_JS = """() => document.readyState === 'complete' &&
  !document.querySelector('.htmx-request')"""

AXE_RUN_JS = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => ({id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
                count: v.nodes.length}));
}"""


def latin_words(text: str) -> list[str]:
    return sorted({w for w in LATIN.findall(text) if w not in ACRONYMS})


def unseparated_amounts(text: str, money_cells) -> list[str]:
    found = {m.group(0) for pattern in MONEY_TEXT for m in pattern.finditer(text)}
    found |= {f"{head}: {cell}" for head, cell in money_cells if BARE_NUMBER.match(cell)}
    return sorted(found)


def login_names(text: str, usernames) -> list[str]:
    return sorted(
        name for name in usernames if re.search(rf"(?<![\w@.]){re.escape(name)}(?![\w@])", text)
    )


def slug(path: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")
    return name or "workbench"


class Sweep:
    """Opens addresses in one page and reports what each breaks."""

    def __init__(self, page, base: str, *, usernames, own_username: str, shots: Path):
        self.page, self.base = page, base
        self.usernames = list(usernames)
        self.own_username = own_username
        self.shots = shots
        self.axe_source = AXE_JS.read_text(encoding="utf-8")
        self._events: list[tuple[str, str]] = []
        self.timings: dict[str, float] = {}
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self._events.append(("console", f"uncaught: {exc}")))
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_failed)

    def _on_console(self, message) -> None:
        if (message.location or {}).get("url", "").endswith("/favicon.ico"):
            return
        if "Content Security Policy" in message.text:
            self._events.append(("csp", message.text[:300]))
        elif message.type == "error":
            self._events.append(("console", message.text[:300]))

    def _on_response(self, response) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            url = response.url.removeprefix(self.base)
            self._events.append(("http", f"{response.status} {url}"))

    def _on_failed(self, request) -> None:
        url = request.url.removeprefix(self.base)
        # ERR_ABORTED: a request the browser dropped because the test moved on to the
        # next page (the API documentation still fetching its schema), not a failure.
        if not url.endswith("/favicon.ico") and "ERR_ABORTED" not in (request.failure or ""):
            self._events.append(("http", f"failed {url}: {request.failure}"))

    def menu_links(self) -> list[str]:
        """Every address of the navbar's menu (the same-origin links of <nav>, unique,
        in their order), as scraped from the page: a new menu entry is swept with no
        change to the test."""
        hrefs = self.page.eval_on_selector_all(
            "nav a[href]",
            "els => els.filter(a => a.origin === location.origin &&"
            " !a.getAttribute('href').startsWith('#')).map(a => a.pathname + a.search)",
        )
        return list(dict.fromkeys(hrefs))

    def visit(self, path: str, width: int, name: str | None = None) -> list[Finding]:
        """Open `path` and check it; its screenshot is `<name or path>-<width>.png`."""
        self._events.clear()
        page = self.page
        t0 = time.monotonic()
        response = page.goto(self.base + path, wait_until="load")
        # HTMX fragments (hx-trigger="load") arrive after the page: wait until none is
        # in flight (htmx marks the element of a running request with .htmx-request).
        page.wait_for_function(HTMX_SETTLED_JS, polling=50)
        t1 = time.monotonic()
        findings = []
        if response is None:
            findings.append(Finding(path, "http", "no response"))
        facts = page.evaluate(PAGE_FACTS_JS)
        if not facts["lang"].startswith("zh"):
            findings.append(Finding(path, "lang", f"<html lang={facts['lang']!r}>"))
        if facts["scrollWidth"] > facts["clientWidth"] + 1:
            detail = f"{facts['scrollWidth']}px > {facts['clientWidth']}px: " + ", ".join(
                facts["wide"]
            )
            findings.append(Finding(path, "overflow", detail))
        text = facts["text"]
        if words := latin_words(text):
            findings.append(Finding(path, "latin", " ".join(words[:20])))
        if amounts := unseparated_amounts(text, facts["moneyCells"]):
            findings.append(Finding(path, "money", "; ".join(amounts[:10])))
        # A person's own login is theirs to see on their account pages (password change).
        shown = [u for u in self.usernames
                 if not (u == self.own_username and path.startswith("/accounts/"))]  # fmt: skip
        if names := login_names(text, shown):
            findings.append(Finding(path, "login", " ".join(names)))
        t2 = time.monotonic()
        if width in AXE_WIDTHS:
            page.evaluate(self.axe_source)  # CDP evaluation: not subject to the page's CSP
            for v in page.evaluate(AXE_RUN_JS):
                detail = f"{v['impact']} {v['id']} ({v['help']}) x{v['count']}: {v['targets']}"
                findings.append(Finding(path, "axe", detail))
        self.shots.mkdir(parents=True, exist_ok=True)
        t3 = time.monotonic()
        page.screenshot(path=str(self.shots / f"{name or slug(path)}-{width}.png"), full_page=True)
        t4 = time.monotonic()
        if ARTIFACTS in self.shots.parents:
            SAVED["screenshots"] += 1
        spent = {"load": t1 - t0, "checks": t2 - t1, "axe": t3 - t2, "screenshot": t4 - t3}
        for key, seconds in spent.items():
            self.timings[key] = self.timings.get(key, 0.0) + seconds
        events = list(dict.fromkeys(self._events))  # after axe: it must not log errors
        findings += [Finding(path, check, detail) for check, detail in events]
        return findings
