// Risk control: contracts waiting for the firm's seal, and the screen that places it.

// The page geometry and the seal drag come from the signing service, which owns the geometry its
// API reports (the signer's page uses the same modules).
import { toPlacement } from "/sign/assets/pagegeom.js";
import { qrZone, wireSealDrag } from "/sign/assets/sealdrag.js";
import { blobUrl, get, post } from "./api.js";
import { envelopeOf } from "./envelope.js";
import { t } from "./i18n.js";
import { badge, busy, CONTRACT_STATUS, confirmDialog, errorBox, fmtTime, go, h, pagedTable, toast } from "./ui.js";

const SEAL_WIDTH_PT = 120; // about 42 mm, the size of a firm's round seal

export async function list() {
  const table = pagedTable(
    [t("contract.title"), t("contract.client"), t("contract.lawyer"), t("contract.status"), t("contract.updated"), ""],
    (cursor) =>
      get(
        "/api/contract/contracts?status=counterparty_signed&limit=20" +
          (cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""),
      ),
    (c) =>
      h(
        "tr.clickable",
        { onclick: () => go(`firm-sign/${c.id}`) },
        h("td", h("a", { href: `#/firm-sign/${c.id}` }, c.title)),
        h("td", c.client_name),
        h("td", c.owner_name),
        h("td", badge(CONTRACT_STATUS, c.status)),
        h("td", fmtTime(c.updated_at)),
        h("td", h("a.button.small.primary", { href: `#/firm-sign/${c.id}` }, t("firm.seal"))),
      ),
    t("firm.nothing_to_seal"),
  );
  return h(
    "section",
    h("div.page-head", h("h2", t("firm.awaiting_the_firm_s_seal"))),
    h("p.muted", t("firm.counterparties_have_signed_the_firm")),
    table,
  );
}

export async function screen({ contract }) {
  const c = await get(`/api/contract/contracts/${contract}`);
  const found = await envelopeOf(contract);
  if (!found) return errorBox(new Error(t("firm.no_envelope_for_this_contract")));
  // The detail carries each page's size and QR box as shown, in the coordinates firm-sign takes.
  const env = await get(`/api/signing/envelopes/${found.id}`);
  const pages = env.pages;
  const sealUrl = await blobUrl(`/api/signing/envelopes/${env.id}/firm-seal.png`);
  const sealImg = await new Promise((resolve, reject) => {
    const i = new Image();
    i.onload = () => resolve(i);
    i.onerror = () => reject(new Error(t("firm.seal_image_failed")));
    i.src = sealUrl;
  });
  const sealAspect = sealImg.naturalHeight / sealImg.naturalWidth || 1;

  const st = { page: 0, geom: null, place: null }; // place: fractions {left, top, width, height} of the image
  const pageImg = h("img.page-img", { alt: t("firm.page"), draggable: false });
  const zone = h("div.qr-zone", { title: t("firm.qr_code_no_seal_here") }, h("span", t("firm.qr_area_no_seal")));
  const placed = h("img.seal.placed", { src: sealUrl, alt: t("firm.firm_seal"), draggable: false, hidden: true });
  const stage = h("div.stage", pageImg, zone, placed);
  const traySeal = h("img.seal.tray-seal", { src: sealUrl, alt: t("firm.firm_seal"), draggable: false });
  const where = h("p.muted.small", t("firm.drag_the_red_seal_onto"));
  const confirm = h("button.primary.big", { type: "button", disabled: true }, t("firm.confirm_seal"));
  const pager = h("div.pager");

  function layout() {
    if (!st.geom) return;
    const z = qrZone(st.geom);
    Object.assign(zone.style, {
      left: `${z.left * 100}%`,
      top: `${z.top * 100}%`,
      width: `${z.width * 100}%`,
      height: `${z.height * 100}%`,
    });
    if (st.place && st.place.page === st.page) {
      placed.hidden = false;
      Object.assign(placed.style, {
        left: `${st.place.left * 100}%`,
        top: `${st.place.top * 100}%`,
        width: `${st.place.width * 100}%`,
      });
    } else placed.hidden = true;
    confirm.disabled = !st.place;
    confirm.title = st.place ? "" : t("firm.place_the_seal_first");
    if (st.place) {
      const p = toPlacement(st.place.geom, st.place);
      const size = `${p.width.toFixed(0)}×${p.height.toFixed(0)} pt`;
      const at = `${t("ui.page", { n: st.place.page + 1 })} · x=${p.x.toFixed(1)} y=${p.y.toFixed(1)} · ${size}`;
      where.textContent = t("firm.position", { at });
    }
  }

  async function showPage(n) {
    st.page = n;
    st.geom = null;
    for (const [i, b] of [...pager.querySelectorAll("button.pg")].entries()) b.classList.toggle("active", i === n);
    pageImg.removeAttribute("src");
    stage.classList.add("loading-page");
    try {
      const url = await blobUrl(`/api/signing/envelopes/${env.id}/pages/${n + 1}.png`);
      await new Promise((resolve, reject) => {
        pageImg.onload = resolve;
        pageImg.onerror = reject;
        pageImg.src = url;
      });
      if (st.page !== n) return;
      st.geom = pages[n];
    } catch (exc) {
      toast(t("firm.page_failed", { error: exc.message || exc }), "error");
    } finally {
      stage.classList.remove("loading-page");
    }
    layout();
  }

  for (let n = 0; n < pages.length; n++) {
    pager.append(h("button.pg", { type: "button", onclick: () => showPage(n) }, `${n + 1}`));
  }

  // ---- dragging with pointer events (mouse, pen, touch): from the tray, or the placed seal ----
  const calm = () => {
    zone.classList.remove("alarm");
    stage.classList.remove("drop-ok");
  };
  wireSealDrag([traySeal, placed], {
    target: () => (st.geom ? { image: pageImg, page: st.geom } : null),
    size: (r) => {
      const width = (SEAL_WIDTH_PT / st.geom.width) * r.width; // the seal at page scale
      return { width, height: width * sealAspect };
    },
    ghost: sealUrl,
    onMove: (l) => {
      zone.classList.toggle("alarm", l.inside && l.onQr);
      stage.classList.toggle("drop-ok", l.inside && !l.onQr);
    },
    onDrop: (l) => {
      calm();
      if (!l.inside) return;
      if (l.onQr) {
        toast(t("firm.the_seal_may_not_cover"), "error");
        return;
      }
      st.place = { ...l.place, page: st.page, geom: st.geom };
      layout();
    },
    onCancel: calm,
  });
  window.addEventListener("resize", layout);

  confirm.onclick = async () => {
    if (!st.place) return;
    const p = toPlacement(st.place.geom, st.place);
    const body = { page: p.page, x: round2(p.x), y: round2(p.y), width: round2(p.width), height: round2(p.height) };
    if (!(await confirmDialog(t("firm.confirm_text", { n: p.page + 1 }), t("firm.seal_2")))) return;
    busy(confirm, async () => {
      await post(`/api/signing/envelopes/${env.id}/firm-sign`, body);
      toast(t("firm.sealed_signing_complete"));
      go(`contracts/${contract}`);
    });
  };

  const signed = env.signers.filter((s) => s.kind !== "firm");
  const view = h(
    "section.detail.firm",
    h(
      "div.page-head",
      h(
        "div",
        h("a.back", { href: "#/firm-sign" }, t("contract.back")),
        h("h2", t("contract.firm_seal"), " · ", c.title, " ", badge(CONTRACT_STATUS, c.status)),
      ),
      h("div.actions", h("a.button", { href: `#/contracts/${c.id}` }, t("firm.details"))),
    ),
    env.status !== "prepared" || c.status !== "counterparty_signed"
      ? h("div.alert.warn", t("firm.the_contract_is_not_awaiting"))
      : null,
    h(
      "div.firm-layout",
      h("div.viewer", h("div.viewer-bar", h("span", t("firm.page_2")), pager), stage),
      h(
        "aside.card.tray",
        h("h3", t("firm.firm_seal")),
        h("div.tray-box", traySeal),
        h("p.small", t("firm.drag_the_seal_onto_the")),
        env.cross_page_seal ? h("p.small.alert.info", t("firm.this_contract_takes_a_cross")) : null,
        where,
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              st.place = null;
              layout();
              where.textContent = t("firm.drag_the_red_seal_onto");
            },
          },
          t("firm.clear"),
        ),
        confirm,
        h("h4", t("firm.counterparties")),
        h(
          "ul.plain",
          signed.map((s) =>
            h(
              "li",
              s.name,
              " ",
              s.signed_at ? h("span.badge.green", t("firm.sealed")) : h("span.badge.orange", s.status),
              h("small.block.muted", fmtTime(s.signed_at)),
            ),
          ),
        ),
      ),
    ),
  );
  showPage(0);
  return view;
}

function round2(v) {
  return Math.round(v * 100) / 100;
}
