"""Letters render off the event loop, several at once: each must come out as if rendered alone."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from letters.adapters.letter_fonts import unrenderable_chars

ROUNDS = 4
THREADS = 6
# 3,500 common CJK code points from U+4E00: each letter draws its own slice of them
CJK = "".join(chr(0x4E00 + i) for i in range(0, 7000, 2))


def test_letters_rendered_in_parallel_threads_equal_the_same_letters_rendered_alone(
    render_pdf: Callable[..., bytes],
    make_letter: Callable[..., Any],
    font_path: str,
    eager_thread_switches: None,
) -> None:
    # Different texts need different glyph subsets, and subsetting is where reportlab's
    # shared TrueType file cursor interleaved (KeyError in makeSubset, or a wrong subset).
    glyphs = [c for c in CJK if not unrenderable_chars(c, font_path=font_path)]
    share = len(glyphs) // THREADS
    letters = [
        make_letter(body="".join(glyphs[i * share : (i + 1) * share])) for i in range(THREADS)
    ]
    alone = [render_pdf(letter) for letter in letters]
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        for _ in range(ROUNDS):
            assert list(pool.map(render_pdf, letters)) == alone
