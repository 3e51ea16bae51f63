"""Deterministic non-code content: PNG images, a large generated catalog, fake-but-well-formed secrets.

Everything here is computed from fixed seeds and fixed parameters so two builds produce the same blobs.
PNGs use stored (uncompressed) deflate blocks rather than `zlib.compress`, whose output may differ
between zlib builds and would then change commit shas from one machine to another.
"""

from __future__ import annotations

import json
import random
import string
import struct
import zlib
from collections.abc import Callable

Colour = tuple[int, int, int, int]
PixelFunction = Callable[[int, int], Colour]

CATALOG_SEED = 20261102
CREDENTIAL_SEED = 4242
CATALOG_PRODUCTS = 1740

_STORED_BLOCK = 0xFFFF


def png(width: int, height: int, pixel: PixelFunction) -> bytes:
    """Encode an 8-bit RGBA image; filter type 0 on every row keeps the encoder trivial."""
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            row.extend(pixel(x, y))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", _stored_zlib(b"".join(rows)))
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _stored_zlib(data: bytes) -> bytes:
    out = bytearray(b"\x78\x01")
    offsets = range(0, len(data), _STORED_BLOCK) if data else range(1)
    for start in offsets:
        block = data[start : start + _STORED_BLOCK]
        final = 1 if start + _STORED_BLOCK >= len(data) else 0
        out.append(final)
        out.extend(struct.pack("<HH", len(block), len(block) ^ 0xFFFF))
        out.extend(block)
    out.extend(struct.pack(">I", zlib.adler32(data) & 0xFFFFFFFF))
    return bytes(out)


def _bag_icon(size: int, background: Colour, bag: Colour, handle_width: float) -> PixelFunction:
    """A shopping bag on a rounded square: recognisable when the file tool or a reviewer opens it."""
    radius = size * 0.2
    body_top, body_bottom = size * 0.38, size * 0.82
    body_left, body_right = size * 0.22, size * 0.78
    handle_cx, handle_cy, handle_r = size / 2, size * 0.38, size * 0.17
    transparent: Colour = (0, 0, 0, 0)

    def pixel(x: int, y: int) -> Colour:
        px, py = x + 0.5, y + 0.5
        dx = max(radius - px, 0.0, px - (size - radius))
        dy = max(radius - py, 0.0, py - (size - radius))
        if dx * dx + dy * dy > radius * radius:
            return transparent
        if body_left <= px <= body_right and body_top <= py <= body_bottom:
            return bag
        distance = ((px - handle_cx) ** 2 + (py - handle_cy) ** 2) ** 0.5
        if py < handle_cy and abs(distance - handle_r) <= handle_width:
            return bag
        return background

    return pixel


def logo_v1() -> bytes:
    return png(64, 64, _bag_icon(64, (14, 116, 144, 255), (250, 250, 245, 255), 2.5))


def logo_v2() -> bytes:
    return png(64, 64, _bag_icon(64, (233, 95, 70, 255), (255, 247, 237, 255), 3.5))


def favicon() -> bytes:
    return png(32, 32, _bag_icon(32, (233, 95, 70, 255), (255, 247, 237, 255), 2.0))


_ADJECTIVES = (
    "Enamel",
    "Linen",
    "Oak",
    "Stoneware",
    "Merino",
    "Copper",
    "Walnut",
    "Recycled",
    "Organic",
    "Cast-iron",
    "Bamboo",
    "Waxed",
    "Hand-thrown",
    "Striped",
    "Speckled",
    "Brushed",
    "Woven",
    "Glazed",
)
_NOUNS = (
    "Mug",
    "Teapot",
    "Tote",
    "Apron",
    "Blanket",
    "Kettle",
    "Colander",
    "Candle",
    "Notebook",
    "Scarf",
    "Planter",
    "Bowl",
    "Tray",
    "Lamp",
    "Cushion",
    "Socks",
    "Beanie",
    "Skillet",
    "Jar",
    "Throw",
)
_TAGS = ("kitchen", "home", "gift", "bestseller", "new", "sale", "eco", "winter", "limited")


def catalog_json() -> bytes:
    """A storefront catalog snapshot of about 20,000 lines, the kind of file a build script emits."""
    rng = random.Random(CATALOG_SEED)
    products = []
    for index in range(CATALOG_PRODUCTS):
        noun = rng.choice(_NOUNS)
        sku = f"{noun[:4].upper()}-{index:05d}"
        cents = rng.randint(199, 12999)
        products.append(
            {
                "sku": sku,
                "name": f"{rng.choice(_ADJECTIVES)} {noun.lower()}",
                "price": f"{cents // 100}.{cents % 100:02d}",
                "currency": "GBP",
                "stock": rng.randint(0, 240),
                "tags": sorted(rng.sample(_TAGS, rng.randint(1, 2))),
                "image": f"/static/products/{sku.lower()}.jpg",
            }
        )
    document = {
        "generator": "web/scripts/build-catalog.ts",
        "generated_at": "2026-11-02T08:40:00Z",
        "products": products,
    }
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def fake_aws_credentials() -> tuple[str, str]:
    """An access key id and secret with the real shapes, so secret scanners fire, but no real account."""
    rng = random.Random(CREDENTIAL_SEED)
    key_id = "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16))
    secret = "".join(rng.choice(string.ascii_letters + string.digits + "/+") for _ in range(40))
    return key_id, secret
