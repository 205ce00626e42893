"""Measure a workbook's parts while streaming them, before any reader holds them.

calamine reads a sheet whole into a dense grid (first row to last, first column to last,
~95 bytes a cell at its peak) and copies a shared string into every cell that uses it,
so a few MB of zip can ask for gigabytes. Here each part is inflated in 1 MB pieces
(checked against its declared size and checksum, so the reader later sees exactly these
bytes) and its extent, cells and strings are counted, mostly with C-speed byte searches.
The cells limit holds for the whole file (an import may hold two sheets at once), and
the text limit counts inline texts too (they compress as well as shared ones).
"""
from __future__ import annotations

import re
import struct
import zipfile
import zlib
from array import array
from dataclasses import dataclass

PIECE = 1 << 20
MAX_TAG = 1 << 20        # a tag or text run longer than this is not from a spreadsheet
FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")
MERGED = re.compile(rb"<(?:\w+:)?mergeCell ")
# Substrings every match of the patterns above contains: finding them is a fast byte
# search (a lone "f" is rare in cell markup), so the slower patterns only run on the
# rare piece that holds one.
FORMULA_HINTS = (b"<f", b":f")
MERGED_HINT = b"mergeCell"
ROW_NUMBER = re.compile(rb'<row r="(\d{1,9})"[^>]*?(/?)>')
IRREGULAR_ROW = re.compile(rb'<row(?! r=")')
PREFIXED = re.compile(rb":(?:c|row)[\s/>]")
START = re.compile(rb"<(?:[\w.-]+:)?(?:c|row)(?=[\s/>])")
TAG = re.compile(rb"<(?:[\w.-]+:)?(c|row)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)"
                 rb"\s*(/?)>")
ATTR = re.compile(rb"([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
REF = re.compile(rb"([A-Za-z]{1,4})(\d{1,9})")
STRING_CELL = re.compile(rb"<(?:[\w.-]+:)?c\s[^>]*?\bt\s*=\s*[\"']s[\"'][^>]*>\s*"
                         rb"<(?:[\w.-]+:)?v>\s*(\d{1,9})\s*<")
STRING_TYPE = re.compile(rb"\bt\s*=\s*[\"']s[\"']")
SI = re.compile(rb"<(?:[\w.-]+:)?si[\s/>]")
# Every text node of a piece: its inline strings and, an upper bound, its numbers (twice
# as fast as finding the <t> elements only).
TEXT_NODE = re.compile(rb">([^<]+)")


class Refusal(Exception):
    """A limit a part broke: ``kind`` names it, ``limit`` is its value."""

    def __init__(self, kind: str, limit: int = 0) -> None:
        super().__init__(kind)
        self.kind, self.limit = kind, limit


@dataclass
class Limits:
    """The most a sheet and the shared strings may hold."""

    rows: int
    columns: int
    cells: int
    strings: int
    string_bytes: int


def inflate(data: bytes, info: zipfile.ZipInfo):
    """Yield the bytes of ``info`` in pieces; raise BadZipFile unless they are exactly
    the declared size and checksum (a reader would otherwise see more than was scanned).
    """
    if info.flag_bits & 1:
        raise RuntimeError("encrypted member")
    head = data[info.header_offset:info.header_offset + 30]
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    raw = memoryview(data)[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile("truncated member")
    crc = total = 0
    for piece in _pieces(raw, info.compress_type):
        total += len(piece)
        if total > info.file_size:
            raise zipfile.BadZipFile("member longer than declared")
        crc = zlib.crc32(piece, crc)
        yield piece
    if total != info.file_size or crc != info.CRC:
        raise zipfile.BadZipFile("Bad CRC-32")


def _pieces(raw: memoryview, method: int):
    if method == zipfile.ZIP_STORED:
        for at in range(0, len(raw), PIECE):
            yield bytes(raw[at:at + PIECE])
        return
    if method != zipfile.ZIP_DEFLATED:
        raise NotImplementedError("compression method")
    inflater, at = zlib.decompressobj(-15), 0
    while not inflater.eof:
        if inflater.unconsumed_tail:
            piece = inflater.decompress(inflater.unconsumed_tail, PIECE)
        elif at < len(raw):
            piece = inflater.decompress(raw[at:at + (1 << 18)], PIECE)
            at += 1 << 18
        else:
            raise zipfile.BadZipFile("deflate stream ends early")
        if piece:
            yield piece


def at_tags(chunks):
    """Yield the text in pieces that each end just before a ``<``: no tag is split."""
    carry = b""
    for chunk in chunks:
        buffer = carry + chunk
        cut = buffer.rfind(b"<")
        if cut > 0:
            yield buffer[:cut]
            carry = buffer[cut:]
        else:
            carry = buffer
        if len(carry) > MAX_TAG:
            raise Refusal("unreadable")
    if carry:
        yield carry


def column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _letters(number: int) -> bytes:
    out = b""
    while number:
        number, rest = divmod(number - 1, 26)
        out = bytes([65 + rest]) + out
    return out


def _upto(top: bytes, low: bytes, high: bytes, lead: bytes) -> bytes:
    """Return a pattern for the strings over ``[low-high]`` up to ``top`` in value (no
    leading ``low`` digit when ``lead`` excludes it), as numbers or column letters.
    """
    every = b"[" + low + b"-" + high + b"]"
    shorter = lead + every + b"{0,%d}" % (len(top) - 2) if lead else \
        every + b"{1,%d}" % (len(top) - 1)
    options = [shorter] if len(top) > 1 else []
    for i, char in enumerate(top):
        first = lead[1:2] if i == 0 and lead else low
        if char > first[0]:
            rest = len(top) - 1 - i
            options.append(re.escape(top[:i]) + b"[" + first + b"-" + bytes([char - 1])
                           + b"]" + (every + b"{%d}" % rest if rest else b""))
    options.append(re.escape(top))
    return b"(?:" + b"|".join(options) + b")"


class SheetScan:
    """The extent and cells of one sheet part, fed piece by piece; raises Refusal."""

    def __init__(self, limits: Limits, lengths: array | None, worksheet: bool,
                 before: int = 0, inline: bool = True) -> None:
        self.limits, self.lengths, self.worksheet = limits, lengths, worksheet
        self.before, self.inline = before, inline  # cells of the parts before; count texts
        self.longest = max(lengths, default=0) if lengths else 0
        self.max_row = self.max_col = self.cells = self.text = 0
        self.row = self.row_max_col = self.row_cells = 0
        self._guard, self._guard_for = None, None

    def feed(self, piece: bytes) -> None:
        if self.worksheet:
            _refuse_formulas_and_merges(piece)
        # The fast way, for sheets as Excel and openpyxl write them: every cell and row
        # tag is unprefixed and carries r, rows come in order, and the guard (one regex
        # pass) proves no cell lies beyond the last row and column seen so far.
        last = piece.rfind(b'<row r="')
        if last >= 0:
            number = ROW_NUMBER.match(piece, last)
            if number and not number[2]:
                self.max_row = max(self.max_row, int(number[1]))
                self.row, self.row_max_col, self.row_cells = int(number[1]), self.max_col, 0
        if (IRREGULAR_ROW.search(piece) or PREFIXED.search(piece)
                or self.guard().search(piece)):
            self._exact(piece)
        else:
            self.cells += piece.count(b'<c r="')
            self.row_max_col = self.max_col
        if self.lengths:
            self._count_strings(piece, piece.count(b"<c"))
        if self.inline and (b"<t" in piece or b":t" in piece):
            self.text += sum(map(len, TEXT_NODE.findall(piece)))
        self.check()

    def guard(self):
        """Return a pattern finding a ``<c`` tag that is not a cell with a reference
        inside the extent known so far (other tags such as ``<col`` too: rare)."""
        if self._guard_for != (self.max_row, self.max_col):
            inside = (_upto(_letters(self.max_col), b"A", b"Z", b"")
                      + _upto(b"%d" % self.max_row, b"0", b"9", b"[1-9]")
                      if self.max_row and self.max_col else b"(?!)")
            self._guard = re.compile(b'<c(?! r="' + inside + b'")')
            self._guard_for = (self.max_row, self.max_col)
        return self._guard

    def _exact(self, piece: bytes) -> None:
        """Walk every row and cell tag, placing cells without ``r`` as a reader would."""
        for start in START.finditer(piece):
            tag = TAG.match(piece, start.start())
            if tag is None:
                raise Refusal("unreadable")
            attrs = {m[1]: m[2] if m[2] is not None else m[3] for m in ATTR.finditer(tag[2])}
            ref = attrs.get(b"r")
            if tag[1] == b"row":
                if ref is not None and not ref.isdigit():
                    raise Refusal("unreadable")
                self.row = int(ref) if ref is not None else self.row + 1
                self.row_max_col = self.row_cells = 0
                if not tag[3]:
                    self.max_row = max(self.max_row, self.row)
                continue
            if ref is None:
                row, col = max(self.row, 1), max(self.row_max_col, self.row_cells) + 1
            else:
                found = REF.fullmatch(ref)
                if found is None:
                    raise Refusal("unreadable")
                row, col = int(found[2]), column_number(found[1])
            self.cells += 1
            self.row_cells += 1
            self.row_max_col = max(self.row_max_col, col)
            self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
            if self.max_col > self.limits.columns:
                self.check()

    def _count_strings(self, piece: bytes, cells: int) -> None:
        """Add the text that shared-string cells copy: at most the longest string each,
        counted exactly once that rough bound could pass the limit."""
        rough = cells * self.longest
        if self.text + rough <= self.limits.string_bytes:
            self.text += rough
            return
        found = STRING_CELL.findall(piece)
        lengths, size = self.lengths, len(self.lengths)
        self.text += sum(lengths[i] if i < size else 0 for i in map(int, found))
        self.text += (len(STRING_TYPE.findall(piece)) - len(found)) * self.longest

    def extent(self) -> int:
        """Return the cells a reader holds for this part: its dense range, at least."""
        return max(self.max_row * self.max_col, self.cells)

    def check(self) -> None:
        limits = self.limits
        if self.max_col > limits.columns:
            raise Refusal("columns", limits.columns)
        if self.max_row - 1 > limits.rows:
            raise Refusal("rows", limits.rows)
        if self.before + self.extent() > limits.cells:
            raise Refusal("cells", limits.cells)
        if self.text > limits.string_bytes:
            raise Refusal("strings", limits.string_bytes)


def _refuse_formulas_and_merges(piece: bytes) -> None:
    if b"f" in piece and any(hint in piece for hint in FORMULA_HINTS) \
            and FORMULA.search(piece):
        raise Refusal("formula")
    if MERGED_HINT in piece and MERGED.search(piece):
        raise Refusal("merged")


def shared_string_lengths(pieces, limits: Limits) -> array:
    """Return the byte length of each shared string (its XML, an upper bound)."""
    lengths, total = array("L"), 0
    for piece in pieces:
        total += len(piece)
        if total > limits.string_bytes:
            raise Refusal("strings", limits.string_bytes)
        parts = SI.split(piece)
        if lengths:
            lengths[-1] += len(parts[0])
        lengths.extend(map(len, parts[1:]))
        if len(lengths) > limits.strings:
            raise Refusal("shared", limits.strings)
    return lengths


def scan_parts(data: bytes, archive: zipfile.ZipFile, limits: Limits) -> None:
    """Scan the shared strings, then every part as a possible sheet; raise Refusal.

    A sheet can sit at any path the workbook's relations name, so every part is scanned.
    """
    infos = archive.infolist()
    shared = [i for i in infos if i.filename.lower().endswith("sharedstrings.xml")]
    lengths = array("L")
    for info in shared:
        if info.file_size > limits.string_bytes:
            raise Refusal("strings", limits.string_bytes)
        lengths.extend(shared_string_lengths(at_tags(inflate(data, info)), limits))
        if len(lengths) > limits.strings:
            raise Refusal("shared", limits.strings)
    cells = 0
    for info in infos:
        if info.is_dir():
            continue
        worksheet = info.filename.startswith("xl/worksheets/") \
            and info.filename.endswith(".xml")
        sheet = SheetScan(limits, lengths, worksheet, before=cells,
                          inline=info not in shared)
        for piece in at_tags(inflate(data, info)):
            sheet.feed(piece)
        cells += sheet.extent()
