"""The map colours stay distinct for colour-blind readers (simulated deuteranopia and protanopia)."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from plhgis import palette

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB
MACHADO = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}
MIN_DELTA_E = 12  # CIEDE2000: 2 is a just-noticeable difference, 10+ reads as another colour on a small marker


def linear_rgb(hexes) -> np.ndarray:
    c = np.array([[int(h.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)] for h in hexes]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def lab(rgb) -> np.ndarray:
    """CIE L*a*b* (D65) of linear sRGB."""
    xyz = np.clip(rgb, 0, 1) @ np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                                         [0.0193339, 0.1191920, 0.9503041]]).T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], 1)


def ciede2000(lab1, lab2) -> np.ndarray:
    """ΔE00 (Sharma, Wu & Dalal 2005) between rows of two L*a*b* arrays."""
    L1, a1, b1 = lab1.T
    L2, a2, b2 = lab2.T
    cbar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(cbar ** 7 / (cbar ** 7 + 25 ** 7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    zero = c1 * c2 == 0
    dh = h2 - h1
    dh = np.where(zero, 0, np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh)))
    dH = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    lbar, cbarp, hsum = (L1 + L2) / 2, (c1 + c2) / 2, h1 + h2
    hbar = np.where(zero, hsum, np.where(np.abs(h1 - h2) > 180, np.where(hsum < 360, hsum + 360, hsum - 360) / 2,
                                         hsum / 2))
    T = (1 - 0.17 * np.cos(np.radians(hbar - 30)) + 0.24 * np.cos(np.radians(2 * hbar))
         + 0.32 * np.cos(np.radians(3 * hbar + 6)) - 0.20 * np.cos(np.radians(4 * hbar - 63)))
    sl = 1 + 0.015 * (lbar - 50) ** 2 / np.sqrt(20 + (lbar - 50) ** 2)
    sc, sh = 1 + 0.045 * cbarp, 1 + 0.015 * cbarp * T
    rt = -np.sin(np.radians(60 * np.exp(-((hbar - 275) / 25) ** 2))) * 2 * np.sqrt(cbarp ** 7 / (cbarp ** 7 + 25 ** 7))
    dL, dC = (L2 - L1) / sl, (c2 - c1) / sc
    return np.sqrt(dL ** 2 + dC ** 2 + (dH / sh) ** 2 + rt * dC * (dH / sh))


def test_ciede2000_matches_the_published_pairs():
    # Sharma et al. 2005, table 1, pairs 1, 7 and 17
    a = np.array([[50, 2.6772, -79.7751], [50, 0, 0], [50, 2.5, 0]])
    b = np.array([[50, 0, -82.7485], [50, -1, 2], [73, 25, -18]])
    assert ciede2000(a, b) == pytest.approx([2.0425, 2.3669, 27.1492], abs=1e-4)


def _pairs_together():
    """(what, colour name, colour, colour name, colour) of every two legend colours seen side by side."""
    layers = {"projects": palette.STATUS_COLORS, "friches": palette.FRICHE_COLORS,
              "plots": palette.HORIZON_COLORS, "zoning": palette.ZONE_COLORS, "sectors": palette.SECTOR_COLORS}
    for key, colours in layers.items():
        for (n1, c1), (n2, c2) in itertools.combinations(colours.items(), 2):
            yield key, n1, c1, n2, c2
    points = [(n, c) for key in palette.POINT_SHAPES for n, c in layers[key].items()]
    for (n1, c1), (n2, c2) in itertools.combinations(points, 2):
        yield "points", n1, c1, n2, c2


@pytest.mark.parametrize("vision", [None, "deuteranopia", "protanopia"])
def test_legend_colours_stay_apart(vision):
    pairs = list(_pairs_together())
    assert len(pairs) > 100
    rgb1, rgb2 = linear_rgb([p[2] for p in pairs]), linear_rgb([p[4] for p in pairs])
    if vision:
        rgb1, rgb2 = rgb1 @ MACHADO[vision].T, rgb2 @ MACHADO[vision].T
    delta = ciede2000(lab(rgb1), lab(rgb2))
    close = [(p[0], p[1], p[3], round(float(d), 1)) for p, d in zip(pairs, delta) if d < MIN_DELTA_E]
    assert not close, close


def test_each_point_layer_has_its_own_shape():
    assert len(set(palette.POINT_SHAPES.values())) == len(palette.POINT_SHAPES) == 3


def test_qgis_styles_use_the_same_shapes():
    from plhgis import styles

    qml = styles.qml_styles()
    assert 'name="name" type="QString" value="diamond"' in qml["friches"][1]
    assert 'value="diamond"' not in qml["projects"][1] and 'value="circle"' in qml["projects"][1]
