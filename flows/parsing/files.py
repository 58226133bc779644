"""Checks on a file before any reader opens it: what kind of spreadsheet it is, and zip bombs."""
from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path


class UnsafeFile(Exception):
    """A file that is not a readable spreadsheet, or would expand beyond the limit."""


# An OLE2 compound document: a legacy .xls workbook, or an xlsx/ods saved with a password (encrypted).
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
SPREADSHEET_KINDS = {"xlsx": "an Excel workbook (xlsx)", "ods": "an OpenDocument spreadsheet (ods)"}


# Called with each member as the archive check reads it, before that read (see _first_bad_member).
MemberReader = Callable[[zipfile.ZipInfo, "zipfile.ZipExtFile"], None]


def check_spreadsheet(path: Path, max_unzipped_bytes: int, name: str | None = None,
                      read_member: MemberReader | None = None) -> None:
    """`path` is a zip-based spreadsheet within the bounds; errors name the file as `name` (the published name:
    the archived copy is named by its hash). `read_member`: as check_archive's."""
    name = name or path.name
    if not zipfile.is_zipfile(path):
        with open(path, "rb") as handle:
            ole2 = handle.read(len(_OLE2_MAGIC)) == _OLE2_MAGIC
        if ole2:
            raise UnsafeFile(f"{name} is not a spreadsheet this pipeline reads: it is an OLE2 compound file, a legacy "
                             ".xls workbook or a password-protected (encrypted) workbook, not a zip-based xlsx/ods file")
        raise UnsafeFile(f"{name} is not a spreadsheet (not a zip-based xlsx/ods file; truncated or wrong type?)")
    check_archive(path, max_unzipped_bytes, name, read_member)


def spreadsheet_kind(path: Path, name: str | None = None) -> str:
    """'xlsx' or 'ods', from the file's content (never its name): an xlsx has xl/workbook.xml, an ods its
    `mimetype` member (or, written by other tools, content.xml beside META-INF/manifest.xml). UnsafeFile for
    a zip that is neither, saying what it holds."""
    name = name or path.name
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.namelist()
            if "xl/workbook.xml" in members or "xl/workbook.bin" in members:
                return "xlsx"
            mimetype = archive.read("mimetype")[:200].decode("ascii", "replace").strip() if "mimetype" in members else ""
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnsafeFile(f"{name} is corrupt: {exc}") from exc
    if mimetype == _ODS_MIMETYPE or (not mimetype and "content.xml" in members and "META-INF/manifest.xml" in members):
        return "ods"
    if mimetype.startswith("application/vnd.oasis.opendocument."):
        what = f"an OpenDocument file of another kind ({mimetype})"
    elif any(m.startswith("xl/") for m in members):
        what = "an xlsx without its workbook part (xl/workbook.xml): damaged"
    elif any(m.startswith(("word/", "ppt/")) for m in members):
        what = "a Word or PowerPoint file"
    else:
        shown = ", ".join(members[:5]) + (f" and {len(members) - 5} more" if len(members) > 5 else "")
        what = f"a zip archive of other files ({shown or 'empty'})"
    raise UnsafeFile(f"{name} is not a spreadsheet: it is {what}, neither an xlsx workbook nor an ods spreadsheet")


def check_archive(path: Path, max_unzipped_bytes: int, name: str | None = None,
                  read_member: MemberReader | None = None) -> None:
    """Reject corrupt archives and decompression bombs before any parser opens them.

    xlsx, ods and zipped CSVs are zip archives: the sum of the declared member sizes bounds
    what a reader will inflate, and testzip() catches truncated or corrupt members.
    `read_member(info, stream)`, if given, reads what it needs of each member first, from the stream the check
    reads (an ods's content.xml is then inflated once, not once here and again by its grid check); errors of
    the stream itself are the check's, as testzip() meets them.
    """
    name = name or path.name
    if not zipfile.is_zipfile(path):
        raise UnsafeFile(f"{name} is not a zip archive (truncated or wrong type?)")
    try:
        with zipfile.ZipFile(path) as archive:
            total = sum(member.file_size for member in archive.infolist())
            if total > max_unzipped_bytes:
                raise UnsafeFile(f"{name} would expand to {total:,} bytes, over the {max_unzipped_bytes:,}-byte limit")
            bad = _first_bad_member(archive, read_member)
            if bad is not None:
                raise UnsafeFile(f"{name} is corrupt: member {bad} fails its checksum")
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise UnsafeFile(f"{name} is corrupt: {exc}") from exc


def _first_bad_member(archive: zipfile.ZipFile, read_member: MemberReader | None = None) -> str | None:
    """zipfile.ZipFile.testzip (every member read to its end, which checks its CRC-32; the first that fails is
    named), with `read_member` given each member's stream before the rest of it is read."""
    if read_member is None:
        return archive.testzip()
    for info in archive.filelist:
        try:
            with archive.open(info.filename, "r") as stream:
                read_member(info, stream)
                while stream.read(1 << 20):     # the rest: the CRC-32 is checked at the end
                    pass
        except zipfile.BadZipFile:
            return info.filename
    return None


# The grid of every spreadsheet application (LibreOffice, Excel): 1,048,576 rows by 16,384 columns. Readers
# expand `table:number-rows-repeated` / `number-columns-repeated` into that many cells; calamine builds a dense
# grid from A1 to the last cell with a value, so a 55 KB file repeating one value 16,000,000 times (or a row
# 5,000,000 times) asks it for gigabytes and aborts the process. ODS_MAX_CELLS bounds that grid, per sheet:
# about 600 MB and 9 s of reading here; published ods files (small boats, transparency) span under 50,000 cells.

