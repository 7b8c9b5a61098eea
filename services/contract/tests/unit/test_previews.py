import io
import sys
from pathlib import Path

import pytest
from contract.adapters.previews import PreviewFailed, render_previews
from PIL import Image

sys.path.insert(0, str(Path(__file__).parent))  # pdf_factory sits beside this file
import pdf_factory as pdfs

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def sizes(pngs: list[bytes]) -> list[tuple[int, int]]:
    return [Image.open(io.BytesIO(png)).size for png in pngs]


def close_to(actual: list[tuple[int, int]], expected: tuple[int, int]) -> bool:
    # pdftoppm rounds fractional page sizes up to a whole pixel.
    return all(abs(w - expected[0]) <= 1 and abs(h - expected[1]) <= 1 for w, h in actual)


def test_renders_every_page_as_png_at_the_requested_dpi() -> None:
    pngs = render_previews(pdfs.text_pdf(pages=3))
    assert len(pngs) == 3
    assert all(png.startswith(PNG_MAGIC) for png in pngs)
    assert close_to(sizes(pngs), (595, 842))  # A4 at 72 dpi
    assert close_to(sizes(render_previews(pdfs.text_pdf(pages=1), dpi=36)), (298, 421))


def test_renders_only_the_requested_pages_in_order() -> None:
    data = pdfs.mixed_pdf(kinds=["text", "text", "scan", "text", "text"])
    chosen = render_previews(data, pages=[5, 1, 3])
    everything = render_previews(data)
    assert chosen == [everything[0], everything[2], everything[4]]


def test_stops_at_max_pages_when_no_pages_are_named() -> None:
    assert len(render_previews(pdfs.many_pages_pdf(8), max_pages=3, dpi=10)) == 3


@pytest.mark.parametrize(
    ("data", "kwargs"),
    [
        (pdfs.not_a_pdf(kind="png"), {}),
        (pdfs.truncated_pdf(keep=0.2), {}),
        (pdfs.text_pdf(pages=2), {"pages": [3]}),
        (pdfs.text_pdf(pages=2), {"pages": [0]}),
        (pdfs.text_pdf(pages=2), {"pages": []}),
        (pdfs.text_pdf(pages=2), {"pages": [1, 2], "max_pages": 1}),
        (pdfs.text_pdf(pages=2), {"dpi": 5000}),
    ],
    ids=["png", "truncated", "past-the-end", "page-zero", "no-pages", "over-max", "huge-dpi"],
)
def test_fails_with_preview_failed(data: bytes, kwargs: dict[str, object]) -> None:
    with pytest.raises(PreviewFailed) as caught:
        render_previews(data, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == "preview_failed"
