"""Rebuild the bundled report fonts (``report_templates/fonts/``) from the full DejaVu fonts.

    python scripts/subset_fonts.py [--source /usr/share/fonts/truetype/dejavu]

The report embeds subsets of its fonts in every PDF. WeasyPrint subsets them with fontTools
when HarfBuzz-subset is not installed (the case on the reference machine), and fontTools
decompiles each font's whole layout tables on every render: with the complete DejaVu fonts
(2.3 MB, ~6,000 glyphs each, hinting and kerning for some 40 scripts) that cost ~0.3 s of every
PDF. The bundled copies keep only the scripts and symbols a report uses (Latin, Greek,
Cyrillic, IPA, punctuation, currency, arrows, maths, box drawing, shapes, dingbats), with
their kerning and ligatures, and drop TrueType hinting (WeasyPrint drops it from PDFs anyway).
Text in other scripts (Arabic, Hebrew, CJK, ...) falls back to the system's fonts through
fontconfig, as it would have for CJK before.

The DejaVu licence (``fonts/LICENSE-DejaVu.txt``) allows modified copies as long as their
names do not contain "Bitstream" or "Vera"; the subsets keep the DejaVu names.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = (
    "DejaVuSans.ttf",
    "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique.ttf",
    "DejaVuSansMono.ttf",
    "DejaVuSansMono-Bold.ttf",
)
OUT = Path(__file__).resolve().parent.parent / "report_templates" / "fonts"

#: Unicode blocks kept (inclusive ranges).
RANGES = (
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x024F),  # Latin-1 Supplement, Latin Extended-A and -B
    (0x0250, 0x036F),  # IPA, spacing modifiers, combining diacritics
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x052F),  # Cyrillic and its supplement
    (0x1E00, 0x1FFF),  # Latin Extended Additional, Greek Extended
    (0x2000, 0x23FF),  # punctuation, super/subscripts, currency, letterlike, number forms, arrows, maths, technical
    (0x2460, 0x27BF),  # enclosed alphanumerics, box drawing, blocks, shapes, misc symbols, dingbats
    (0x2B00, 0x2BFF),  # misc symbols and arrows
    (0xFB00, 0xFB06),  # Latin ligatures
    (0xFE00, 0xFE0F),  # variation selectors
    (0xFFFD, 0xFFFD),  # replacement character
)


def subset_font(source: Path, target: Path) -> int:
    """Write the subset of ``source`` to ``target``; return the number of glyphs kept."""
    options = subset.Options()
    options.layout_features = ["*"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.glyph_names = False
    options.legacy_kern = True
    options.drop_tables += ["FFTM"]
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for low, high in RANGES for c in range(low, high + 1)])
    subsetter.subset(font)
    font.save(target)
    return len(font.getGlyphOrder())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, default=Path("/usr/share/fonts/truetype/dejavu"))
    args = parser.parse_args()
    for name in FONTS:
        glyphs = subset_font(args.source / name, OUT / name)
        before, after = (args.source / name).stat().st_size, (OUT / name).stat().st_size
        print(f"{name}: {before:,} -> {after:,} bytes, {glyphs} glyphs")


if __name__ == "__main__":
    main()
