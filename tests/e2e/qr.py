"""Reading a QR code from a screenshot as a phone's camera would: a real decoder (zxing-cpp,
the library behind many phone scanners, as a pip wheel with no system library), straight and
after a perspective warp standing for a photo taken from a seat at the side of the hall."""

from __future__ import annotations

from pathlib import Path

import zxingcpp
from PIL import Image

Point = tuple[float, float]


def decode(image: Image.Image) -> list[str]:
    """The texts of every QR code found in `image`."""
    return [found.text for found in zxingcpp.read_barcodes(image.convert("L"))
            if found.format == zxingcpp.BarcodeFormat.QRCode]


def decode_file(path: Path) -> list[str]:
    with Image.open(path) as image:
        return decode(image)


def _solve(matrix: list[list[float]], values: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 unknowns: no need for numpy)."""
    n = len(values)
    rows = [[*row, value] for row, value in zip(matrix, values, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col], strict=True)]
    return [rows[i][n] / rows[i][i] for i in range(n)]


def _coefficients(seen: list[Point], source: list[Point]) -> list[float]:
    """Pillow's PERSPECTIVE coefficients mapping output points `seen` to input `source`."""
    matrix: list[list[float]] = []
    values: list[float] = []
    for (x, y), (u, v) in zip(seen, source, strict=True):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        values += [u, v]
    return _solve(matrix, values)


def photographed_from_the_side(image: Image.Image, squeeze: float = 0.3,
                               shrink: float = 0.5) -> Image.Image:
    """`image` as a camera to the left of the screen sees it: the far (right) edge shorter by
    `squeeze`, the whole foreshortened, then scaled down by `shrink` (a phone far away)."""
    width, height = image.size
    corners = [(0.0, 0.0), (width, 0.0), (width, height), (0.0, height)]
    inset = height * squeeze / 2
    seen = [(0.0, 0.0), (width * 0.75, inset), (width * 0.75, height - inset), (0.0, height)]
    warped = image.convert("L").transform(
        (int(width * 0.75), height), Image.Transform.PERSPECTIVE,
        _coefficients(seen, corners), Image.Resampling.BICUBIC, fillcolor=255)
    return warped.resize((max(1, int(warped.width * shrink)), max(1, int(height * shrink))),
                         Image.Resampling.LANCZOS)
