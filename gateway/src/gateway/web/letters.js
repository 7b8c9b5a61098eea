// Firm letters (所函): the lawyer's applications, previews, shares, address book; the clerk's queue.

import { api, blobUrl, download, get, patch, post, put } from "./api.js";
import { pick, t } from "./i18n.js";
import { adminActions } from "./letteradmin.js";
import {
  badge,
  busy,
  confirmDialog,
  errorBox,
  field,
  fill,
  fmtTime,
  go,
  h,
  LETTER_STATUS,
  loading,
  markInvalid,
  modal,
  pagedTable,
  readForm,
  reload,
  toast,
  watch,
} from "./ui.js";

const KIND = { electronic: t("letter.electronic_letter"), paper: t("letter.paper_letter") };
const EDITABLE = new Set(["draft", "rejected", "withdrawn"]);
const DELIVERY = { pickup: t("letter.pick_up"), mail: t("letter.mail") };
const openedWhat = (what) => (what === "document" ? t("letter.pdf") : t("letter.open_page"));
const PAPER_STEPS = {
  pickup: ["approved", "printed", "ready_for_pickup", "picked_up"],
  mail: ["approved", "printed", "mailed", "received"],
};

let typesCache = null;
export async function letterTypes() {
  if (!typesCache) typesCache = (await get("/api/letters/letter-types")).data;
  return typesCache;
}

function today() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

export function addressLine(a) {
  if (!a) return "—";
  return `${a.name} ${a.phone} · ${a.province}${a.city}${a.district}${a.street}`;
}

// ---- list -----------------------------------------------------------------------------------

export function letterRow(l, admin) {
  return h(
    "tr.clickable",
    { onclick: () => go(`letters/${l.id}`) },
    h(
      "td",
      h("a", { href: `#/letters/${l.id}` }, l.number || t("letter.no_number")),
      h("small.block.muted", KIND[l.kind]),
    ),
    h("td", l.recipient_org, h("small.block.muted", l.cause_of_action)),
    h("td.mono", l.case_serial_no),
    admin ? h("td", l.owner_name) : null,
    h("td", l.letter_date),
    h(
      "td",
      badge(LETTER_STATUS, l.status),
      l.kind === "paper" && l.delivery ? h("small.block.muted", DELIVERY[l.delivery]) : null,
    ),
    h("td", fmtTime(l.updated_at)),
  );
}

export async function list(params) {
  const kind = params.query.get("kind") || "electronic";
  const status = params.query.get("status") || "";
  const tabs = h(
    "nav.tabs",
    ["electronic", "paper"].map((k) =>
      h(
        `a${k === kind ? ".active" : ""}`,
        { href: `#/letters?kind=${k}` },
        KIND[k],
        h("small", k === "paper" ? "Paper" : "Electronic"),
      ),
    ),
  );
  const filter = h(
    "select",
    { "aria-label": t("contract.status") },
    h("option", { value: "" }, t("contract.all")),
    Object.entries(LETTER_STATUS)
      .filter(
        ([k]) => kind === "paper" || !["printed", "mailed", "ready_for_pickup", "received", "picked_up"].includes(k),
      )
      .map(([k, text]) => h("option", { value: k }, text)),
  );
  filter.value = status;
  filter.onchange = () => go(`letters?kind=${kind}${filter.value ? `&status=${filter.value}` : ""}`);
  const table = pagedTable(
    [
      t("ladmin.no"),
      t("ladmin.recipient"),
      t("ladmin.case"),
      t("ladmin.date"),
      t("contract.status"),
      t("contract.updated"),
    ],
    (cursor) => {
      const p = new URLSearchParams({ kind, limit: "20" });
      if (status) p.set("status", status);
      if (cursor) p.set("cursor", cursor);
      return get(`/api/letters/letters?${p}`);
    },
    (l) => letterRow(l, false),
    t("ladmin.no_letters"),
  );
  return h(
    "section",
    h(
      "div.page-head",
      h("h2", t("letter.firm_letters")),
      h("a.button.primary", { href: `#/letters/new?kind=${kind}` }, t("letter.new")),
    ),
    tabs,
    h("div.filters", filter),
    table,
  );
}

// ---- form -----------------------------------------------------------------------------------

function lawyerRow(l = {}) {
  const row = h(
    "div.row.lawyer",
    h("input", {
      name: "lawyer_name",
      placeholder: t("letter.name"),
      maxlength: 64,
      required: true,
      value: l.name || "",
    }),
    h("input", {
      name: "lawyer_licence",
      placeholder: t("letter.licence_no"),
      pattern: "\\d{17}",
      maxlength: 17,
      inputmode: "numeric",
      required: true,
      title: t("letter.17_digits"),
      value: l.licence_no || "",
    }),
    h(
      "button.small.ghost",
      {
        type: "button",
        title: t("contract.remove"),
        onclick: () => row.parentElement.children.length > 1 && row.remove(),
      },
      "✕",
    ),
  );
  return row;
}

async function deliveryFields(letter, me) {
  let book = [];
  try {
    book = (await get("/api/letters/addresses")).data;
  } catch {
    /* the address book is optional */
  }
  const method = letter?.delivery || "pickup";
  const wrap = h("fieldset.delivery", h("legend", t("letter.delivery")));
  const radios = h(
    "div.segmented",
    h(
      "label",
      h("input", { type: "radio", name: "method", value: "pickup", checked: method === "pickup" }),
      t("letter.pick_up"),
    ),
    h(
      "label",
      h("input", { type: "radio", name: "method", value: "mail", checked: method === "mail" }),
      t("letter.mail"),
    ),
  );
  const source = h(
    "select",
    { name: "address_id" },
    book.map((a) => h("option", { value: a.id }, `${a.is_default ? t("letter.default_mark") : ""}${addressLine(a)}`)),
    h("option", { value: "" }, t("letter.new_address")),
  );
  const def = book.find((a) => a.is_default) || book[0];
  if (def) source.value = def.id;
  const fresh = h(
    "div.stack.new-address",
    h(
      "div.row",
      field("addr_name", t("letter.recipient_you"), {
        maxlength: 64,
        value: me?.display_name,
        readonly: !!me?.display_name,
        hint: t("letter.mail_goes_only_to_you"),
      }),
      field("addr_phone", t("addr.phone"), { maxlength: 32, pattern: "[0-9+\\- ]{5,32}", inputmode: "tel" }),
    ),
    h(
      "div.row",
      field("addr_province", t("addr.province"), { maxlength: 32 }),
      field("addr_city", t("addr.city"), { maxlength: 32 }),
      field("addr_district", t("addr.district"), { maxlength: 32 }),
    ),
    field("addr_street", t("addr.street"), { maxlength: 200 }),
    h(
      "label.inline",
      h("input", { type: "checkbox", name: "save_to_book", checked: true }),
      t("letter.save_to_address_book"),
    ),
    h("label.inline", h("input", { type: "checkbox", name: "make_default" }), t("letter.make_default")),
  );
  const rule = h("p.alert.info.mail-rule", t("letter.paper_letters_are_mailed_only"));
  const mail = h(
    "div.stack.mail",
    rule,
    field("_src", t("letter.your_address"), { type: "select", options: [] }),
    fresh,
  );
  mail.querySelector("select[name=_src]").replaceWith(source);
  const sync = () => {
    const m = wrap.querySelector("input[name=method]:checked").value;
    mail.hidden = m !== "mail";
    fresh.hidden = source.value !== "";
    for (const el of fresh.querySelectorAll("input")) el.disabled = mail.hidden || fresh.hidden;
    for (const el of fresh.querySelectorAll("input[name^=addr_]")) el.required = !el.disabled;
    source.disabled = mail.hidden;
  };
  radios.onchange = sync;
  source.onchange = sync;
  wrap.append(radios, mail);
  sync();
  return wrap;
}

function readDelivery(v) {
  if (v.method !== "mail") return { method: "pickup" };
  if (v.address_id) return { method: "mail", address_id: v.address_id };
  return {
    method: "mail",
    address: {
      name: v.addr_name,
      phone: v.addr_phone,
      province: v.addr_province,
      city: v.addr_city,
      district: v.addr_district,
      street: v.addr_street,
    },
    save_to_book: !!v.save_to_book,
    make_default: !!v.make_default,
  };
}

const licenceKey = (me) => `lexseal.licence.${me?.id}`;

async function letterForm(letter, kindFromQuery, me) {
  const types = await letterTypes();
  const kind = letter?.kind || kindFromQuery || "electronic";
  const isNew = !letter;
  const content = letter || {};
  // a new letter starts with the applying lawyer: their name and the licence number of their
  // profile (else the one they used last in this browser)
  const self = {
    name: me?.display_name || "",
    licence_no: me?.licence_no || localStorage.getItem(licenceKey(me)) || "",
  };
  const lawyers = h("div.lawyers", (content.lawyers?.length ? content.lawyers : [self]).map(lawyerRow));
  const deliverySlot = h("div");
  const form = h(
    "form.card.stack",
    h("h3", t("letter.application")),
    isNew
      ? h(
          "div.segmented.kind",
          h(
            "label",
            h("input", { type: "radio", name: "kind", value: "electronic", checked: kind === "electronic" }),
            t("letter.electronic"),
          ),
          h(
            "label",
            h("input", { type: "radio", name: "kind", value: "paper", checked: kind === "paper" }),
            t("letter.paper"),
          ),
        )
      : h("p", h("b", KIND[kind])),
    h(
      "div.row",
      field("case_serial_no", t("contract.case_serial_no"), {
        required: true,
        maxlength: 64,
        value: letter?.case_serial_no,
        hint: t("letter.the_case_serial_number_in"),
        pattern: "[A-Za-z0-9][A-Za-z0-9\\-]{5,39}",
      }),
      field("cause_of_action", t("letter.cause_of_action"), {
        required: true,
        maxlength: 200,
        value: letter?.cause_of_action,
        hint: t("letter.cause_hint"),
      }),
    ),
    h(
      "div.row",
      field("letter_type", t("letter.letter_type"), {
        type: "select",
        required: true,
        options: types.map((ty) => [ty.code, pick(ty, "name")]),
        value: letter?.letter_type,
      }),
      field("letter_date", t("letter.letter_date"), {
        type: "date",
        required: true,
        value: letter?.letter_date || today(),
        hint: t("letter.printed_at_the_bottom"),
      }),
    ),
    field("recipient_org", t("ladmin.recipient"), { required: true, maxlength: 200, value: letter?.recipient_org }),
    h("h3", t("letter.content")),
    field("client_name", t("contract.client"), { required: true, maxlength: 200, value: content.client_name }),
    field("matter", t("letter.matter"), { required: true, maxlength: 500, value: content.matter }),
    h(
      "div.field",
      h("span.lbl", t("letter.lawyers_in_charge"), h("i.req", "*")),
      lawyers,
      isNew && me?.roles?.includes("lawyer")
        ? h(
            "small.hint.licence-source",
            me.licence_no ? t("letter.licence_from_profile") : t("letter.licence_not_in_profile"),
          )
        : null,
      h(
        "button.small",
        { type: "button", onclick: () => lawyers.children.length < 10 && lawyers.append(lawyerRow()) },
        t("letter.add_lawyer"),
      ),
    ),
    field("body", t("letter.body"), {
      type: "textarea",
      required: true,
      rows: 8,
      maxlength: 20000,
      value: content.body,
    }),
    deliverySlot,
    h(
      "div.actions",
      h("a.button", { href: letter ? `#/letters/${letter.id}` : "#/letters" }, t("contract.cancel")),
      h("button", { type: "submit", value: "save" }, t("letter.save_draft")),
      h("button.primary", { type: "submit", value: "submit" }, t("letter.save_submit")),
    ),
  );
  const drawDelivery = async () => {
    const k = isNew ? form.querySelector("input[name=kind]:checked").value : kind;
    fill(deliverySlot, k === "paper" ? await deliveryFields(letter, me) : null);
  };
  if (isNew) form.querySelector(".kind").onchange = drawDelivery;
  await drawDelivery();

  form.onsubmit = async (e) => {
    e.preventDefault();
    const submitAfter = e.submitter?.value === "submit";
    const v = readForm(form);
    const names = [...form.querySelectorAll("input[name=lawyer_name]")].map((i) => i.value.trim());
    const licences = [...form.querySelectorAll("input[name=lawyer_licence]")].map((i) => i.value.trim());
    const fields = {
      case_serial_no: v.case_serial_no?.toUpperCase(),
      cause_of_action: v.cause_of_action,
      letter_type: v.letter_type,
      recipient_org: v.recipient_org,
      letter_date: v.letter_date,
    };
    const body = {
      client_name: v.client_name,
      matter: v.matter,
      lawyers: names.map((name, i) => ({ name, licence_no: licences[i] })),
      body: v.body,
    };
    const k = isNew ? v.kind : kind;
    const delivery = k === "paper" ? readDelivery(v) : null;
    await busy(e.submitter, async () => {
      let saved;
      try {
        if (isNew) {
          saved = await post("/api/letters/letters", {
            kind: k,
            ...fields,
            content: body,
            ...(delivery ? { delivery } : {}),
          });
        } else {
          saved = await patch(`/api/letters/letters/${letter.id}`, fields);
          saved = await put(`/api/letters/letters/${letter.id}/content`, body);
          if (delivery) saved = await put(`/api/letters/letters/${letter.id}/delivery`, delivery);
        }
      } catch (exc) {
        markInvalid(form, exc);
        throw exc;
      }
      typesCache = null;
      const mine = names.indexOf(me?.display_name);
      if (mine >= 0 && /^\d{17}$/.test(licences[mine])) localStorage.setItem(licenceKey(me), licences[mine]);
      if (submitAfter) {
        try {
          saved = await post(`/api/letters/letters/${saved.id}/submit`);
          toast(t("letter.submitted_for_approval"));
        } catch (exc) {
          toast(t("letter.saved_not_submitted", { error: exc.message }), "error");
        }
      } else toast(t("letter.draft_saved"));
      go(`letters/${saved.id}`);
    });
  };
  return form;
}

export async function create(params, me) {
  const form = await letterForm(null, params.query.get("kind"), me);
  return h("section", h("div.page-head", h("h2", t("letter.new_letter"))), form);
}

export async function edit({ id }, me) {
  const letter = await get(`/api/letters/letters/${id}`);
  if (!EDITABLE.has(letter.status)) return errorBox(new Error(t("letter.this_letter_cannot_be_edited")));
  return h("section", h("div.page-head", h("h2", t("letter.edit_letter"))), await letterForm(letter, null, me));
}

// ---- detail ---------------------------------------------------------------------------------

// Which page images to show: the sealed PDF's once sealed, else the preview's (the approved PDF,
// or a live rendering of a draft, whose page count the preview endpoint reports).
async function pageSource(l) {
  const base = `/api/letters/letters/${l.id}`;
  if (l.sealed && l.sealed_page_count)
    return { sealed: true, count: l.sealed_page_count, url: (n) => `${base}/sealed/pages/${n}.png` };
  const count = l.page_count ?? (await get(`${base}/preview`)).page_count;
  return { sealed: false, count, url: (n) => `${base}/pages/${n}.png` };
}

function previewSection(l) {
  const pages = h("div.letter-pages", loading());
  const note = h("p.muted.small", { hidden: true }, t("letter.the_images_show_the_approved"));
  const section = h(
    "section.card",
    h(
      "div.section-head",
      l.sealed ? h("h3", t("letter.sealed_letter")) : h("h3", t("letter.preview")),
      h(
        "div.actions",
        h(
          "button.small",
          {
            type: "button",
            onclick: (e) =>
              busy(e.target, async () =>
                window.open(
                  await blobUrl(`/api/letters/letters/${l.id}/${l.sealed ? "document" : "preview"}.pdf`),
                  "_blank",
                ),
              ),
          },
          l.sealed ? t("letter.pdf_open_sealed_pdf") : t("letter.pdf_open_pdf"),
        ),
        l.sealed
          ? h(
              "button.small.primary",
              {
                type: "button",
                onclick: (e) =>
                  busy(e.target, () =>
                    download(`/api/letters/letters/${l.id}/document.pdf`, `${l.number || "letter"}.pdf`),
                  ),
              },
              t("letter.sealed_pdf"),
            )
          : null,
      ),
    ),
    note,
    pages,
  );
  (async () => {
    try {
      const { sealed, count, url } = await pageSource(l);
      // a sealed letter whose PDF could not be counted still shows its approved text
      note.hidden = !(l.sealed && !sealed);
      if (!count) return fill(pages, h("p.muted", t("letter.no_page_images")));
      const imgs = [];
      for (let n = 1; n <= count; n++) {
        imgs.push(h("img.letter-page", { src: await blobUrl(url(n)), alt: t("letter.page_of", { n, count }) }));
        fill(pages, imgs, n < count ? loading() : null);
      }
    } catch (exc) {
      fill(pages, errorBox(exc));
    }
  })();
  return section;
}

async function shareDialog(l) {
  const created = await post(`/api/letters/letters/${l.id}/shares`);
  const link = h("input.link", { value: created.url, readonly: true, onclick: (e) => e.target.select() });
  const qr = `data:image/png;base64,${created.qr_png_base64}`;
  modal(
    t("letter.share"),
    h(
      "div.invite",
      h("img.qr", { src: qr, alt: t("letter.share_qr") }),
      h("p", t("letter.send_the_link_or_qr")),
      h(
        "div.copyline",
        link,
        h(
          "button",
          {
            type: "button",
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(created.url);
                toast(t("env.copied"));
              } catch {
                link.select();
              }
            },
          },
          t("letter.copy"),
        ),
      ),
      h("p.muted", t("letter.expires_at", { at: fmtTime(created.expires_at) })),
      h("div.actions", h("a.button", { href: qr, download: `share-${l.number || l.id}.png` }, t("env.save_qr"))),
    ),
  );
  reload();
}

function sharesSection(l) {
  const box = h("div", loading());
  get(`/api/letters/letters/${l.id}/shares`)
    .then((res) => {
      if (!res.data.length) return fill(box, h("p.muted", t("letter.not_shared_yet")));
      fill(
        box,
        h(
          "table.list",
          h(
            "thead",
            h(
              "tr",
              [t("contract.created"), t("letter.expires"), t("letter.state"), ""].map((t) => h("th", t)),
            ),
          ),
          h(
            "tbody",
            res.data.flatMap((s) => {
              const opens = h("td", { colspan: 4 });
              const openRow = h("tr.sub", { hidden: true }, opens);
              const row = h(
                "tr",
                h("td", fmtTime(s.created_at)),
                h("td", fmtTime(s.expires_at)),
                h(
                  "td",
                  { active: t("letter.active"), expired: t("ui.expired"), revoked: t("letter.revoked") }[s.state] ||
                    s.state,
                ),
                h(
                  "td.actions",
                  h(
                    "button.small",
                    {
                      type: "button",
                      onclick: (e) =>
                        busy(e.target, async () => {
                          const o = await get(`/api/letters/letters/${l.id}/shares/${s.id}/opens`);
                          fill(
                            opens,
                            o.data.length
                              ? h(
                                  "ul.plain.small",
                                  o.data.map((x) =>
                                    h(
                                      "li",
                                      `${fmtTime(x.opened_at)} · ${openedWhat(x.what)} · ${x.ip || "?"} · `,
                                      h("span.muted", (x.user_agent || "").slice(0, 80)),
                                    ),
                                  ),
                                )
                              : h("span.muted", t("letter.not_opened_yet")),
                          );
                          openRow.hidden = !openRow.hidden;
                        }),
                    },
                    t("letter.opens"),
                  ),
                  s.state === "active"
                    ? h(
                        "button.small.danger",
                        {
                          type: "button",
                          onclick: (e) =>
                            busy(e.target, async () => {
                              await api("DELETE", `/api/letters/letters/${l.id}/shares/${s.id}`);
                              toast(t("letter.revoked"));
                              reload();
                            }),
                        },
                        t("letter.revoke"),
                      )
                    : null,
                ),
              );
              return [row, openRow];
            }),
          ),
        ),
      );
    })
    .catch((exc) => fill(box, errorBox(exc)));
  return h(
    "section.card",
    h(
      "div.section-head",
      h("h3", t("letter.share_links")),
      h(
        "button.primary",
        { type: "button", onclick: (e) => busy(e.target, () => shareDialog(l)) },
        t("letter.share_2"),
      ),
    ),
    box,
  );
}

function paperProgress(l) {
  if (l.kind !== "paper" || !l.delivery) return null;
  const steps = PAPER_STEPS[l.delivery];
  const at = steps.indexOf(l.status);
  return h(
    "ol.steps",
    steps.map((s, i) => h(`li${at >= 0 && i <= at ? ".done" : ""}${i === at ? ".current" : ""}`, LETTER_STATUS[s])),
  );
}

// statuses in which the letter waits on someone else: approval, or the firm's seal
const WAITING = new Set(["submitted", "approved"]);

export async function detail({ id }, me) {
  const [l, types] = await Promise.all([get(`/api/letters/letters/${id}`), letterTypes().catch(() => [])]);
  const type = types.find((ty) => ty.code === l.letter_type);
  const owner = l.owner_id === me.id && me.roles.includes("lawyer");
  const staff = me.roles.includes("letter_admin") || me.roles.includes("admin");
  const actions = h("div.actions");
  if (owner && EDITABLE.has(l.status)) {
    actions.append(h("a.button", { href: `#/letters/${l.id}/edit` }, t("addr.edit")));
    actions.append(
      h(
        "button.primary",
        {
          type: "button",
          onclick: (e) =>
            busy(e.target, async () => {
              await post(`/api/letters/letters/${l.id}/submit`);
              toast(t("letter.submitted"));
              reload();
            }),
        },
        t("contract.submit_2"),
      ),
    );
  }
  if (owner && l.status === "submitted") {
    actions.append(
      h(
        "button.danger",
        {
          type: "button",
          onclick: async (e) => {
            if (await confirmDialog(t("letter.withdraw_this_letter"), t("contract.withdraw")))
              busy(e.target, async () => {
                await post(`/api/letters/letters/${l.id}/withdraw`);
                toast(t("contract.withdrawn"));
                reload();
              });
          },
        },
        t("contract.withdraw"),
      ),
    );
  }
  if (staff) actions.append(...adminActions(l));
  const back = staff && !owner ? "#/letter-queue" : `#/letters?kind=${l.kind}`;
  const state = (x) => `${x.status}|${x.sealed}|${x.seal_error || ""}|${x.sealed_page_count || ""}`;
  if (WAITING.has(l.status) && !(l.status === "approved" && (l.sealed || l.seal_error || l.kind !== "electronic"))) {
    watch(async () => state(await get(`/api/letters/letters/${l.id}`)), state(l));
  }
  return h(
    "section.detail",
    h(
      "div.page-head",
      h(
        "div",
        h("a.back", { href: back }, t("contract.back")),
        h(
          "h2",
          KIND[l.kind],
          " ",
          l.number ? h("span.mono", l.number) : h("span.muted", t("letter.numbered_on_approval")),
          " ",
          badge(LETTER_STATUS, l.status),
        ),
      ),
      actions,
    ),
    l.rejection_reason && l.status === "rejected"
      ? h("div.alert.error", h("b", t("letter.rejected")), l.rejection_reason)
      : null,
    l.seal_error ? h("div.alert.warn", h("b", t("letter.sealing_failed")), l.seal_error) : null,
    l.status === "approved" && l.kind === "electronic"
      ? h("div.alert.info", t("letter.approved_sealing_in_progress"))
      : null,
    paperProgress(l),
    h(
      "div.two-col",
      h(
        "div",
        h(
          "section.card",
          h(
            "dl.grid",
            h("dt", t("contract.case_no")),
            h("dd.mono", l.case_serial_no),
            h("dt", t("letter.cause")),
            h("dd", l.cause_of_action),
            h("dt", t("letter.type")),
            h("dd", type ? t("letter.type_with_code", { name: pick(type, "name"), code: type.code }) : l.letter_type),
            h("dt", t("ladmin.recipient")),
            h("dd", l.recipient_org),
            h("dt", t("ladmin.date")),
            h("dd", l.letter_date, l.past_date_allowed ? h("small.muted", t("letter.past_date_allowed")) : ""),
            h("dt", t("contract.client")),
            h("dd", l.client_name || "—"),
            h("dt", t("letter.matter")),
            h("dd", l.matter || "—"),
            h("dt", t("letter.lawyers")),
            h(
              "dd",
              (l.lawyers || []).map((x) => h("div", `${x.name} `, h("small.mono.muted", x.licence_no))),
            ),
            h("dt", t("letter.applicant")),
            h("dd", l.owner_name),
            l.kind === "paper"
              ? [h("dt", t("letter.delivery")), h("dd", DELIVERY[l.delivery] || t("letter.not_chosen"))]
              : null,
            l.mail_address ? [h("dt", t("letter.address")), h("dd", addressLine(l.mail_address))] : null,
            l.courier || l.tracking_no
              ? [h("dt", t("letter.courier")), h("dd", `${l.courier || ""} ${l.tracking_no || ""}`)]
              : null,
            l.verify_url
              ? [
                  h("dt", t("letter.verify")),
                  h(
                    "dd",
                    h("a", { href: l.verify_url, target: "_blank", rel: "noopener" }, l.verify_code || l.verify_url),
                  ),
                ]
              : null,
            h("dt", t("letter.submitted_2")),
            h("dd", fmtTime(l.submitted_at)),
            h("dt", t("letter.decided")),
            h("dd", fmtTime(l.decided_at)),
          ),
        ),
        owner && l.sealed ? sharesSection(l) : null,
      ),
      h("div", previewSection(l)),
    ),
  );
}
