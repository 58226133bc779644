"""Errors that name where bad input is: source, release, sheet, row, column."""
from __future__ import annotations

from dataclasses import dataclass, field

from warehouse.errors import WarehouseBusy  # noqa: F401  (re-exported: raised by warehouse.db)


# how a case about another release's file begins (the release gate's check_later examples: the periods are in the
# later release, not in this file): it names its own place, so it is not said to be in "file"
IN_LATER_RELEASE = "in the later release "


@dataclass
class FailureCase:
    """One bad cell (or a whole missing sheet/column when row is None)."""
    sheet: str | None
    row: int | None          # 1-based row number as a spreadsheet shows it
    column: str | None       # the column's label as published
    check: str
    value: str | None = None

    def describe(self) -> str:
        where = []
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column!r}")
        value = f" (value {self.value!r})" if self.value not in (None, "") else ""
        if not where and self.check.startswith(IN_LATER_RELEASE):
            return f"{self.check}{value}"
        return f"{', '.join(where) or 'file'}: {self.check}{value}"


@dataclass(eq=False)
class SourceError(Exception):
    """A published file that cannot be accepted. `cases` lists every problem found."""
    source: str
    release: str
    message: str
    cases: list[FailureCase] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"{self.source} release {self.release}: {self.message}"
        if not self.cases:
            return head
        shown = "\n".join("  - " + c.describe() for c in self.cases[:20])
        more = f"\n  ... and {len(self.cases) - 20} more" if len(self.cases) > 20 else ""
        return f"{head}\n{shown}{more}"


class FetchError(Exception):
    """Discovery or download failed (network, HTTP status, host not allowed, size, deadline, a malformed page).

    A plain FetchError will not heal by trying again soon; its subclasses say what kind of fault it was."""


class TransientFetchError(FetchError):
    """A fault that may heal within minutes (a timeout, HTTP 429/5xx, a connection reset or a body cut short)
    that was still there after the request retries: Prefect's task retries try again later."""


class HostUnreachable(FetchError):
    """The host cannot be reached at all: its name does not resolve, the connection is refused, or there is
    no route to it (no network). Never retried: every source on that host fails at once."""

    def __init__(self, host: str, reason: str, url: str, source: str | None = None):
        super().__init__(host, reason, url, source)      # args match the signature: the error pickles
        self.host, self.reason, self.url, self.source = host, reason, url, source

    def __str__(self) -> str:
        who = f"{self.source}: " if self.source else ""
        fetching = f"; fetching {self.url}" if self.url else ""
        return (f"{who}cannot reach {self.host} at all ({self.reason}{fetching}). No network? "
                "Files you have downloaded load without it: pledges load PATH")


class ParserFault(Exception):
    """What a source's parser code raised on a file (anything but TableNotFound), or a result that is not a list of
    the schema's tables. A raised exception is the parser's bug or something in the file the parser does not
    handle (a malformed file it did not foresee): which one is not known here, so the words say both. A wrong
    result is the parser's alone (`raised` False). Never recorded as the release's rejection: the file fails on its
    own, unrecorded (the other files load), so the next run tries it again. `where` names the module and line
    ('flows/sources/x/parser.py line 42'); `detail` is the parse process's traceback (shown with --debug)."""

    def __init__(self, source: str, release: str, file_name: str, where: str, what: str, detail: str = "",
                 raised: bool = True):
        super().__init__(source, release, file_name, where, what, detail, raised)   # args match: it pickles
        self.source, self.release, self.file_name, self.where, self.what, self.detail, self.raised = \
            source, release, file_name, where, what, detail, raised

    @property
    def reason(self) -> str:
        """The one line that says what happened, without the source and release (`pledges status` lists it)."""
        if self.raised:
            return (f"the parser raised {self.what} at {self.where} on this file: a bug in the parser, or something "
                    "in this file it does not handle")
        return f"the parser at {self.where} is wrong: {self.what} on this file"

    def __str__(self) -> str:
        file = "" if self.file_name in self.release else f" ({self.file_name})"    # a load's label names it already
        look = ("look at the file and the parser (--debug shows the traceback); once the parser handles it"
                if self.raised else "fix the parser; then")
        return (f"{self.source} release {self.release}{file}: {self.reason}; nothing was recorded for this file "
                f"(the other files load as usual): {look}, load it again (every run tries it until it loads)")
