"""Text of the PDFs reportlab writes (ASCII85 + Flate streams, CID fonts in UCS-2), for
tests that check what a PDF says without a PDF library."""

from __future__ import annotations

import base64
import re
import zlib


def _literal(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash
            i += 1
            n = raw[i : i + 1]
            if n.isdigit():
                digits = re.match(rb"[0-7]{1,3}", raw[i : i + 3]).group()
                out.append(int(digits, 8))
                i += len(digits)
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(n, n)
        else:
            out.append(c)
        i += 1
    return bytes(out)


def pdf_text(pdf: bytes) -> str:
    texts = []
    for stream in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = zlib.decompress(base64.a85decode(stream.strip().removesuffix(b"~>")))
        for raw in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", data, re.S):
            texts.append(_literal(raw).decode("utf-16-be", "replace"))
    return "\n".join(texts)
