"""The cross-page seal (骑缝章): one slice of the firm's seal per page, checked on rendered pages.

Every page is rendered with pdftoppm; each slice must show red exactly where its rect says (right
edge, same height on every page, clear of the QR), and the slices joined in page order must give
the seal itself.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import VERIFY_URL, Party
from lexseal_ca.pki import CertificateAuthority
from pades.geometry import PageGeometry, overlaps
from pades.ltv import validation_context
from pades.pdf import PdfSigningEngine, document_geometry, prepare
from pades.seam_layout import (
    SEAM_MIN_SLICE,
    SEAM_SEAL_SIZE,
    SeamDoesNotFit,
    SeamSlice,
    seam_slices,
)
from pades.testing import make_contract_pdf, reshape, run
from pades.tsa import LexsealTimeStamper
from pades.verify import verify_pdf
from PIL import Image, ImageChops
from pypdf import PdfReader
from servicekit.testing import need_tools
from signing.adapters.errors import PdfError

DPI = 144
SCALE = DPI / 72  # pixels per point


def _sign(
    pdf: bytes,
    parties: list[Party],
    engine: PdfSigningEngine,
    tsa: LexsealTimeStamper,
    ca: CertificateAuthority,
    *,
    seam: bool = True,
) -> bytes:
    """A counterparty on page 1, then the firm on the last page, with the cross-page seal."""
    prepared = prepare(pdf, VERIFY_URL)
    pages = document_geometry(prepared)
    company, firm = parties[1], parties[2]
    signed = engine.sign(
        prepared,
        signer=engine.signer_for(company.credential),
        field_name=company.field_name,
        page=0,
        box=(72, 90, 185, 203),
        seal_png=company.seal_png,
        timestamper=tsa,
        validation_context=validation_context(ca),
    )
    return engine.sign(
        signed,
        signer=engine.signer_for(firm.credential),
        field_name=firm.field_name,
        page=len(pages) - 1,
        box=(250, 90, 363, 203),
        seal_png=firm.seal_png,
        timestamper=tsa,
        validation_context=validation_context(ca),
        seam_pages=pages if seam else None,
    )


def _render(pdf: bytes, tmp_path: Path) -> list[Image.Image]:
    need_tools("pdftoppm")
    src = tmp_path / "doc.pdf"
    src.write_bytes(pdf)
    result = run("pdftoppm", "-png", "-cropbox", "-r", str(DPI), src, tmp_path / "page")
    assert result.returncode == 0, result.stderr
    return [Image.open(p).convert("RGB") for p in sorted(tmp_path.glob("page-*.png"))]


def _red(image: Image.Image) -> Image.Image:
    """A 1-bit mask of the seal's red (text and the QR are black, the page white)."""
    r, g, b = image.split()
    return (
        Image.merge(
            "RGB",
            (
                r.point(lambda v: 255 if v > 150 else 0),
                g.point(lambda v: 255 if v < 140 else 0),
                b.point(lambda v: 255 if v < 140 else 0),
            ),
        )
        .convert("L")
        .point(lambda v: 255 if v == 255 else 0)
    )


def _px(page: Image.Image, box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """A placement box (points, origin bottom-left) as an image crop box (pixels, top-left)."""
    x1, y1, x2, y2 = box
    height = page.height
    return (
        round(x1 * SCALE),
        height - round(y2 * SCALE),
        round(x2 * SCALE),
        height - round(y1 * SCALE),
    )


def _count(mask: Image.Image) -> int:
    return mask.convert("L").histogram()[255]


@pytest.fixture(scope="module")
def seam_pdf(
    parties: list[Party],
    engine: PdfSigningEngine,
    tsa: LexsealTimeStamper,
    ca: CertificateAuthority,
) -> bytes:
    return _sign(make_contract_pdf(pages=3), parties, engine, tsa, ca)


def a4(number: int, *, rotate: int = 0) -> PageGeometry:
    return PageGeometry.of(number=number, mediabox=(0, 0, 595.28, 841.89), rotate=rotate)


def test_slices_are_equal_flush_right_at_one_height_and_clear_of_the_qr() -> None:
    pages = [a4(n) for n in (1, 2, 3)]
    slices = seam_slices(pages)

    assert [s.page for s in slices] == [0, 1, 2]
    widths = {round(s.rect[2] - s.rect[0], 6) for s in slices}
    assert widths == {round(SEAM_SEAL_SIZE / 3, 6)}
    assert {s.rect[2] for s in slices} == {595.28}
    assert len({(s.rect[1], s.rect[3]) for s in slices}) == 1
    assert [s.offset for s in slices] == pytest.approx(
        [0, SEAM_SEAL_SIZE / 3, SEAM_SEAL_SIZE * 2 / 3]
    )
    assert not any(overlaps(s.rect, p.qr_box) for s, p in zip(slices, pages, strict=True))
    # centred on the page's height
    y1, y2 = slices[0].rect[1], slices[0].rect[3]
    assert (y1 + y2) / 2 == pytest.approx(841.89 / 2)


def test_one_page_takes_no_slices_and_tiny_pages_are_refused() -> None:
    assert seam_slices([a4(1)]) == []
    tiny = [PageGeometry.of(number=n, mediabox=(0, 0, 200, 150)) for n in (1, 2)]
    with pytest.raises(SeamDoesNotFit):
        seam_slices(tiny)


def test_short_pages_raise_the_seal_above_the_qr() -> None:
    # a landscape A5 page: centred, the seal would come down onto the QR
    pages = [PageGeometry.of(number=n, mediabox=(0, 0, 595.28, 260)) for n in (1, 2)]
    slices = seam_slices(pages)
    assert all(not overlaps(s.rect, pages[s.page].qr_box) for s in slices)
    assert slices[0].rect[1] >= pages[0].qr_box[3]


def test_every_signature_stays_valid_with_the_slices(
    seam_pdf: bytes, ca: CertificateAuthority
) -> None:
    report = verify_pdf(seam_pdf, [ca.root_pem()])

    assert report.valid, report.reason
    company, firm = report.signatures
    # the slices are widgets of the firm's new signature field: form filling, as a plain seal
    assert company.modification_level == "FORM_FILLING" and not company.modified_after
    assert firm.intact and firm.trusted
    fields = [
        f.get_object() for f in PdfReader(io.BytesIO(seam_pdf)).root_object["/AcroForm"]["/Fields"]
    ]
    (firm_field,) = [f for f in fields if f["/T"] == "firm"]
    kids = [k.get_object() for k in firm_field["/Kids"]]
    assert len(kids) == 4  # the seal where risk control put it, then one slice per page
    assert all(k["/Subtype"] == "/Widget" and "/T" not in k for k in kids)


def test_pdfsig_sees_one_valid_firm_signature(seam_pdf: bytes, tmp_path: Path) -> None:
    # poppler takes a widget that names its /Parent for a field of its own: it would list the
    # firm's signature once per slice, each "not signed"
    need_tools("pdfsig")
    pdf = tmp_path / "seam.pdf"
    pdf.write_bytes(seam_pdf)
    out = run("pdfsig", pdf).stdout
    assert out.count("Signature Field Name: firm") == 1, out
    assert out.count("Signature is Valid.") == 2 and "not signed" not in out, out


def test_the_firm_signature_covers_the_slices(seam_pdf: bytes) -> None:
    # The slices are in the signed revision, not in the DSS update that follows it.
    reader = PdfReader(io.BytesIO(seam_pdf))
    fields = [f.get_object() for f in reader.root_object["/AcroForm"]["/Fields"]]
    (firm_field,) = [f for f in fields if f["/T"] == "firm"]
    byte_range = [int(v) for v in firm_field["/V"].get_object()["/ByteRange"]]
    signed_end = byte_range[2] + byte_range[3]
    for kid in firm_field["/Kids"][1:]:
        offset = _object_offset(seam_pdf, kid.idnum)
        assert offset < signed_end


def _object_offset(pdf: bytes, number: int) -> int:
    marker = f"\n{number} 0 obj".encode()
    at = pdf.rfind(marker)
    assert at >= 0
    return at


def _slice_strips(
    rendered: list[Image.Image],
    pages: list[PageGeometry],
    slices: list[SeamSlice],
    *,
    ink: float = 0.15,
) -> list[Image.Image]:
    """Check each rendered page shows its slice where its rect says, only there; crop it.

    ``ink``: the least share of a slice that is red (a thin slice of the ring shows less).
    """
    firm_page = len(pages) - 1  # also carries the firm's own seal, left of its slice
    strips = []
    for image, page, part in zip(rendered, pages, slices, strict=True):
        red = _red(image)
        inside = red.crop(_px(image, part.rect))
        assert _count(inside) > ink * inside.width * inside.height, f"page {page.number}"
        # nothing red beside the slice at its height, above or below it at the edge, or on the QR
        x1, y1, x2, y2 = part.rect
        left = red.crop(_px(image, (x1 - 40, y1, x1 - 2, y2)))
        above = red.crop(_px(image, (x1, y2 + 2, x2, y2 + 60)))
        below = red.crop(_px(image, (x1, y1 - 60, x2, y1 - 2)))
        qr = red.crop(_px(image, page.qr_box))
        if part.page != firm_page:
            assert _count(left) == 0, f"page {page.number}"
        assert _count(above) == 0 and _count(below) == 0 and _count(qr) == 0
        strips.append(inside)
    return strips


def _assert_joins_into_the_seal(strips: list[Image.Image], seal_png: bytes) -> None:
    """The slices, side by side in page order, are the seal."""
    joined = Image.new("L", (sum(s.width for s in strips), max(s.height for s in strips)))
    x = 0
    for strip in strips:
        joined.paste(strip, (x, 0))
        x += strip.width
    seal = Image.open(io.BytesIO(seal_png)).getchannel("A")
    expected = seal.resize(joined.size).point(lambda v: 255 if v > 128 else 0)
    a, b = joined.convert("1"), expected.convert("1")
    both = _count(ImageChops.logical_and(a, b))
    either = _count(ImageChops.logical_or(a, b))
    assert both / either > 0.8, both / either  # the same red shape, up to antialiased edges


def test_rendered_pages_show_each_slice_where_it_belongs_and_join_into_the_seal(
    seam_pdf: bytes, parties: list[Party], tmp_path: Path
) -> None:
    rendered = _render(seam_pdf, tmp_path)
    pages = document_geometry(seam_pdf)
    slices = seam_slices(pages)
    assert len(rendered) == len(slices) == 3

    _assert_joins_into_the_seal(_slice_strips(rendered, pages, slices), parties[2].seal_png)


def test_no_slice_is_narrower_than_the_minimum_many_pages_share_seals_in_groups() -> None:
    for count in range(2, 61):
        pages = [a4(n) for n in range(1, count + 1)]
        slices = seam_slices(pages)
        assert [s.page for s in slices] == list(range(count))
        widths = [s.rect[2] - s.rect[0] for s in slices]
        assert min(widths) >= SEAM_MIN_SLICE - 1e-9, count
        groups = [[s for s in slices if s.group == g] for g in range(slices[-1].group + 1)]
        # consecutive pages, at least two a group, each group one whole seal left to right
        assert [s.page for g in groups for s in g] == list(range(count))
        assert all(len(g) >= 2 and [s.index for s in g] == list(range(len(g))) for g in groups)
        assert all(s.count == len(g) for g in groups for s in g)
        assert all(
            sum(s.rect[2] - s.rect[0] for s in g) == pytest.approx(SEAM_SEAL_SIZE) for g in groups
        )
        # as few groups as the minimum allows, as equal as can be
        per_group = int(SEAM_SEAL_SIZE // SEAM_MIN_SLICE)
        assert len(groups) == -(-count // per_group)
        assert max(map(len, groups)) - min(map(len, groups)) <= 1
        assert len({(s.rect[1], s.rect[3]) for s in slices}) == 1
    # up to six pages one seal, as before
    assert {s.count for s in seam_slices([a4(n) for n in range(1, 7)])} == {6}


def test_a_forty_page_contract_carries_seven_seals_each_slice_at_least_six_mm_wide(
    parties: list[Party],
    engine: PdfSigningEngine,
    tsa: LexsealTimeStamper,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    pdf = _sign(make_contract_pdf(pages=40), parties, engine, tsa, ca)
    assert verify_pdf(pdf, [ca.root_pem()]).valid
    rendered = _render(pdf, tmp_path)
    pages = document_geometry(pdf)
    slices = seam_slices(pages)
    assert len(rendered) == len(pages) == len(slices) == 40
    assert [len([s for s in slices if s.group == g]) for g in range(7)] == [6, 6, 6, 6, 6, 5, 5]

    strips = _slice_strips(rendered, pages, slices, ink=0.08)
    for part, strip in zip(slices, strips, strict=True):
        # flush with the page's right edge; the red reaches each side the seal goes on across
        # (the seal's first and last slices hold its ring's outer edge, inside the slice)
        x1, _, x2, _ = part.rect
        assert x2 == pages[part.page].width and x2 - x1 >= SEAM_MIN_SLICE - 1e-9
        columns = [strip.crop((x, 0, x + 1, strip.height)) for x in range(strip.width)]
        inked = [x for x, c in enumerate(columns) if _count(c) > 0]
        assert inked, f"page {part.page + 1}"
        if part.index > 0:
            assert inked[0] <= 2, f"page {part.page + 1}"
        if part.index < part.count - 1:
            assert inked[-1] >= strip.width - 3, f"page {part.page + 1}"
    for g in range(7):
        _assert_joins_into_the_seal(
            [strip for part, strip in zip(slices, strips, strict=True) if part.group == g],
            parties[2].seal_png,
        )


def test_one_page_document_gets_only_the_normal_seal(
    parties: list[Party],
    engine: PdfSigningEngine,
    tsa: LexsealTimeStamper,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    pdf = _sign(make_contract_pdf(pages=1), parties, engine, tsa, ca)
    fields = [
        f.get_object() for f in PdfReader(io.BytesIO(pdf)).root_object["/AcroForm"]["/Fields"]
    ]
    (firm_field,) = [f for f in fields if f["/T"] == "firm"]
    assert "/Kids" not in firm_field  # one widget: the field is its own annotation
    (image,) = _render(pdf, tmp_path)
    page = document_geometry(pdf)[0]
    edge = _red(image).crop(_px(image, (page.width - 40, 200, page.width, 700)))
    assert _count(edge) == 0
    assert verify_pdf(pdf, [ca.root_pem()]).valid


def test_turned_pages_carry_the_slices_at_their_shown_right_edge(
    parties: list[Party],
    engine: PdfSigningEngine,
    tsa: LexsealTimeStamper,
    ca: CertificateAuthority,
    tmp_path: Path,
) -> None:
    pdf = _sign(reshape(make_contract_pdf(pages=2), rotate=90), parties, engine, tsa, ca)
    assert verify_pdf(pdf, [ca.root_pem()]).valid
    pages = document_geometry(pdf)
    slices = seam_slices(pages)
    for image, part in zip(_render(pdf, tmp_path), slices, strict=True):
        assert image.width > image.height  # shown turned
        inside = _red(image).crop(_px(image, part.rect))
        assert _count(inside) > 0.15 * inside.width * inside.height


def test_recorded_pages_must_be_the_documents(
    parties: list[Party], engine: PdfSigningEngine, ca: CertificateAuthority
) -> None:
    prepared = prepare(make_contract_pdf(pages=2), VERIFY_URL)
    firm = parties[2]
    with pytest.raises(PdfError) as refused:
        engine.sign(
            prepared,
            signer=engine.signer_for(firm.credential),
            field_name="firm",
            page=0,
            box=(250, 90, 363, 203),
            seal_png=firm.seal_png,
            seam_pages=document_geometry(prepared)[:1] * 3,
        )
    assert refused.value.code == "page_changed"
