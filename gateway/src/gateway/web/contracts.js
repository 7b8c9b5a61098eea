// Lawyer: contract applications — list, new application, document, signers, submit, signing.

import { api, blobUrl, download, get, patch, post, upload } from "./api.js";
import { envelopeOf, envelopeSection } from "./envelope.js";
import { pick, t } from "./i18n.js";
import {
  badge,
  busy,
  CONTRACT_STATUS,
  confirmDialog,
  errorBox,
  field,
  fill,
  fmtAmount,
  fmtSize,
  fmtTime,
  go,
  h,
  loading,
  markInvalid,
  modal,
  pagedTable,
  REVIEW_STATE,
  readForm,
  reload,
  showError,
  toast,
  watch,
} from "./ui.js";

const EDITABLE = new Set(["draft", "rejected"]);
const WITHDRAWABLE = new Set(["draft", "submitted", "rejected", "approved", "signing"]);
const SIGNING = new Set(["approved", "signing", "counterparty_signed", "completed", "declined", "voided", "expired"]);

// suggestions only: the type is free text (max 64)
const CONTRACT_TYPES = [
  t("contract.type_agency"),
  t("contract.type_retainer"),
  t("contract.type_non_litigation"),
  t("contract.type_settlement"),
  t("contract.type_other"),
];

const ACTIONS = {
  create: t("contract.application_created"),
  submit: t("contract.submitted_for_review"),
  resubmit: t("contract.resubmitted"),
  withdraw: t("contract.withdrawn_2"),
  approve: t("contract.approved_by_risk_control"),
  reject: t("contract.rejected_by_risk_control"),
  invite: t("contract.invitation_sent"),
  counterparty_sign: t("contract.counterparty_sealed"),
  all_counterparties_signed: t("contract.all_counterparties_sealed"),
  complete: t("contract.firm_sealed_signing_complete"),
  decline: t("contract.counterparty_declined"),
  void: t("contract.voided"),
  expire: t("contract.expired"),
  "review.approved": t("contract.approved_by_risk_control"),
  "review.rejected": t("contract.rejected_by_risk_control"),
  "signing.envelope_prepared": t("contract.signing_envelope_prepared"),
  "signing.invitation_created": t("contract.invitation_sent"),
  "signing.signer_verified": t("contract.signer_verified"),
  "signing.counterparty_signed": t("contract.counterparty_sealed"),
  "signing.declined": t("contract.counterparty_declined"),
  "signing.voided": t("contract.signing_voided"),
  "signing.expired": t("contract.signing_expired"),
  "signing.completed": t("contract.firm_sealed_signing_complete"),
  "signing.document_sealed": t("contract.document_sealed"),
};

// ---- list -----------------------------------------------------------------------------------

const IN_SIGNING = new Set(["approved", "signing", "counterparty_signed"]);

/** The list's signing columns: who has yet to sign (and until when their link works), the deadline. */
function signingCells(c) {
  const pending = h("td.small", "—");
  const deadline = h("td", "—");
  if (IN_SIGNING.has(c.status)) {
    envelopeOf(c.id)
      .then(async (env) => {
        if (env?.status !== "prepared") return;
        deadline.textContent = fmtTime(env.expires_at);
        const links = await get(`/api/signing/envelopes/${env.id}/invitations`)
          .then((r) => r.data)
          .catch(() => []);
        const byId = Object.fromEntries(links.map((i) => [i.signer_id, i]));
        const waiting = env.signers.filter((s) => s.status !== "signed");
        fill(
          pending,
          waiting.length
            ? waiting.map((s) =>
                h(
                  "div",
                  s.kind === "firm" ? t("contract.firm_seal") : s.name,
                  s.kind === "firm"
                    ? null
                    : h(
                        "small.muted",
                        byId[s.signer_id]
                          ? t("contract.link_until", { at: fmtTime(byId[s.signer_id].expires_at) })
                          : t("contract.not_invited"),
                      ),
                ),
              )
            : "—",
        );
      })
      .catch(() => {});
  }
  return [pending, deadline];
}

export async function list(params) {
  const status = params.query.get("status") || "";
  const q = params.query.get("q") || "";
  const form = h(
    "form.filters",
    h(
      "select",
      { name: "status", "aria-label": t("contract.status") },
      h("option", { value: "" }, t("contract.all")),
      Object.entries(CONTRACT_STATUS).map(([k, text]) => h("option", { value: k }, text)),
    ),
    h("input", { name: "q", type: "search", placeholder: t("contract.search"), value: q }),
    h("button", { type: "submit" }, t("contract.search_2")),
  );
  form.status.value = status;
  form.status.onchange = () => form.requestSubmit();
  form.onsubmit = (e) => {
    e.preventDefault();
    const p = new URLSearchParams();
    if (form.status.value) p.set("status", form.status.value);
    if (form.q.value.trim()) p.set("q", form.q.value.trim());
    go(`contracts${p.toString() ? `?${p}` : ""}`);
  };
  const table = pagedTable(
    [
      t("contract.title"),
      t("contract.client"),
      t("contract.amount"),
      t("contract.status"),
      t("contract.pending_signers"),
      t("contract.deadline"),
      t("contract.updated"),
      "",
    ],
    (cursor) => {
      const p = new URLSearchParams({ limit: "20" });
      if (status) p.set("status", status);
      if (q) p.set("q", q);
      if (cursor) p.set("cursor", cursor);
      return get(`/api/contract/contracts?${p}`);
    },
    (c) =>
      h(
        "tr",
        { onclick: () => go(`contracts/${c.id}`), class: "clickable" },
        h(
          "td",
          h("a", { href: `#/contracts/${c.id}` }, c.title),
          c.case_serial_no ? h("small.block.muted", c.case_serial_no) : null,
        ),
        h("td", c.client_name),
        h("td.num", fmtAmount(c.amount)),
        h("td", badge(CONTRACT_STATUS, c.status)),
        ...signingCells(c),
        h("td", fmtTime(c.updated_at)),
        h(
          "td",
          c.status === "approved" ? h("a.button.small", { href: `#/contracts/${c.id}` }, t("contract.e_seal")) : null,
        ),
      ),
    t("contract.no_applications"),
  );
  return h(
    "section",
    h(
      "div.page-head",
      h("h2", t("contract.contract_applications")),
      h("a.button.primary", { href: "#/contracts/new" }, t("contract.new")),
    ),
    form,
    table,
  );
}

// ---- new / edit -----------------------------------------------------------------------------

function contractFields(c = {}) {
  return [
    field("title", t("contract.title"), { required: true, maxlength: 200, value: c.title }),
    h(
      "div.row",
      field("contract_type", t("contract.type"), {
        required: true,
        maxlength: 64,
        list: "contract-types",
        value: c.contract_type,
        placeholder: t("contract.choose_or_type"),
      }),
      field("client_name", t("contract.client"), { required: true, maxlength: 200, value: c.client_name }),
    ),
    h(
      "div.row",
      field("amount", t("contract.amount_cny"), { type: "number", min: "0", step: "0.01", value: c.amount }),
      field("case_serial_no", t("contract.case_serial_no"), { maxlength: 64, value: c.case_serial_no }),
    ),
    field("remarks", t("contract.remarks"), { type: "textarea", maxlength: 5000, rows: 3, value: c.remarks }),
    h(
      "label.inline",
      h("input", { type: "checkbox", name: "cross_page_seal", checked: !!c.cross_page_seal }),
      t("contract.cross_page_seal"),
      h("small.block.muted", t("contract.the_firm_s_seal_is")),
    ),
    h(
      "datalist#contract-types",
      CONTRACT_TYPES.map((type) => h("option", { value: type })),
    ),
  ];
}

export async function create() {
  const form = h(
    "form.card.stack",
    contractFields(),
    h(
      "div.actions",
      h("a.button", { href: "#/contracts" }, t("contract.cancel")),
      h("button.primary", { type: "submit" }, t("contract.save_continue")),
    ),
  );
  form.onsubmit = async (e) => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    await busy(button, async () => {
      try {
        const c = await post("/api/contract/contracts", readForm(form));
        toast(t("contract.saved"));
        go(`contracts/${c.id}`);
      } catch (exc) {
        markInvalid(form, exc);
        throw exc;
      }
    });
  };
  return h(
    "section",
    h("div.page-head", h("h2", t("contract.new_application"))),
    h("p.muted", t("contract.step_one")),
    form,
  );
}

function editDialog(c) {
  const form = h(
    "form.stack",
    contractFields(c),
    h("div.actions", h("button.primary", { type: "submit" }, t("addr.save"))),
  );
  const m = modal(t("contract.edit_application"), form);
  form.onsubmit = (e) => {
    e.preventDefault();
    busy(form.querySelector("button"), async () => {
      const values = readForm(form);
      await patch(`/api/contract/contracts/${c.id}`, values);
      m.close();
      toast(t("contract.saved_2"));
      reload();
    });
  };
}

// ---- signers --------------------------------------------------------------------------------

const SIGNER_FIELDS = {
  individual: [
    ["name", t("contract.name_2"), { required: true, maxlength: 200 }],
    [
      "id_number",
      t("contract.resident_id"),
      {
        required: true,
        maxlength: 18,
        pattern: "[0-9]{17}[0-9Xx]",
        hint: t("contract.18_character_resident_id_number"),
      },
    ],
    ["mobile", t("contract.mobile"), { required: true, maxlength: 20, inputmode: "tel" }],
  ],
  enterprise: [
    ["name", t("contract.company_name"), { required: true, maxlength: 200 }],
    [
      "id_number",
      t("contract.credit_code"),
      { required: true, maxlength: 18, pattern: "[0-9A-Za-z]{18}", hint: t("contract.18_characters") },
    ],
    ["legal_representative", t("contract.legal_representative"), { required: true, maxlength: 100 }],
    ["operator_name", t("contract.operator"), { required: true, maxlength: 100 }],
    ["operator_mobile", t("contract.operator_mobile"), { required: true, maxlength: 20, inputmode: "tel" }],
    [
      "bank_account_name",
      t("contract.account_name"),
      { required: true, maxlength: 200, hint: t("contract.used_for_the_micro_deposit") },
    ],
    ["bank_account_number", t("contract.account_number"), { required: true, maxlength: 40, inputmode: "numeric" }],
    ["bank_name", t("contract.bank"), { required: true, maxlength: 200 }],
  ],
};

function signerDialog(contractId) {
  const kindPicker = h(
    "div.segmented",
    { role: "radiogroup" },
    h(
      "label",
      h("input", { type: "radio", name: "kind", value: "individual", checked: true }),
      t("contract.individual"),
    ),
    h("label", h("input", { type: "radio", name: "kind", value: "enterprise" }), t("contract.enterprise")),
  );
  const fields = h("div.stack");
  const form = h(
    "form.stack",
    kindPicker,
    fields,
    h("div.actions", h("button.primary", { type: "submit" }, t("contract.add"))),
  );
  const draw = () => {
    const kind = form.querySelector("input[name=kind]:checked").value;
    fill(
      fields,
      SIGNER_FIELDS[kind].map(([n, text, o]) => field(n, text, o)),
    );
  };
  kindPicker.onchange = draw;
  draw();
  const m = modal(t("contract.add_signer"), form);
  form.onsubmit = (e) => {
    e.preventDefault();
    busy(form.querySelector("button[type=submit]"), async () => {
      try {
        await post(`/api/contract/contracts/${contractId}/signers`, readForm(form));
      } catch (exc) {
        markInvalid(form, exc);
        throw exc;
      }
      m.close();
      toast(t("contract.signer_added"));
      reload();
    });
  };
}

function signersTable(c, canEdit) {
  if (!c.signers.length) return h("p.muted", t("contract.no_signers_yet"));
  return h(
    "div.table-wrap",
    h(
      "table.list",
      h(
        "thead",
        h(
          "tr",
          [
            t("contract.kind"),
            t("contract.name"),
            t("contract.id"),
            t("contract.contact"),
            t("contract.bank_account"),
            "",
          ].map((text) => h("th", text)),
        ),
      ),
      h(
        "tbody",
        c.signers.map((s) =>
          h(
            "tr",
            h("td", s.kind === "enterprise" ? t("contract.enterprise") : t("contract.individual")),
            h(
              "td",
              s.name,
              s.legal_representative
                ? h("small.block.muted", t("contract.legal_rep", { name: s.legal_representative }))
                : null,
            ),
            h("td.mono", s.id_number),
            h(
              "td",
              s.kind === "enterprise"
                ? [s.operator_name, h("small.block.muted", s.operator_mobile || "")]
                : s.mobile || "—",
            ),
            h(
              "td",
              s.kind === "enterprise"
                ? [
                    s.bank_account_name,
                    h("small.block.muted.mono", s.bank_account_number || ""),
                    h("small.block.muted", s.bank_name || ""),
                  ]
                : "—",
            ),
            h(
              "td",
              canEdit
                ? h(
                    "button.small.danger",
                    { type: "button", onclick: (e) => removeSigner(e.target, c.id, s) },
                    t("contract.remove"),
                  )
                : null,
            ),
          ),
        ),
      ),
    ),
  );
}

async function removeSigner(button, contractId, s) {
  if (!(await confirmDialog(t("contract.remove_signer", { name: s.name }), t("contract.remove")))) return;
  busy(button, async () => {
    await api("DELETE", `/api/contract/contracts/${contractId}/signers/${s.id}`);
    toast(t("contract.removed"));
    reload();
  });
}

// ---- document -------------------------------------------------------------------------------

function uploader(c) {
  const input = h("input", { type: "file", accept: "application/pdf,.pdf", hidden: true });
  const bar = h("progress", { max: 1, value: 0, hidden: true });
  const button = h(
    "button",
    { type: "button", onclick: () => input.click() },
    c.document ? t("contract.replace_pdf") : t("contract.upload_pdf"),
  );
  input.onchange = () => {
    const file = input.files[0];
    if (!file) return;
    const form = new FormData();
    form.append("file", file, file.name);
    bar.hidden = false;
    busy(button, async () => {
      try {
        await upload("PUT", `/api/contract/contracts/${c.id}/document`, form, (p) => (bar.value = p));
        toast(t("contract.uploaded"));
        reload();
      } finally {
        bar.hidden = true;
        input.value = "";
      }
    });
  };
  return h("span.uploader", button, input, bar);
}

/** Page thumbnails of a document, loaded with the token; click one to enlarge. */
export function pageStrip(pageCount, urlOf, warnPages = []) {
  const strip = h("div.thumbs");
  for (let n = 1; n <= pageCount; n++) {
    const img = h("img", { alt: t("ui.page", { n }), loading: "lazy" });
    const warn = warnPages.includes(n);
    const fig = h(`figure.thumb${warn ? ".warn" : ""}`, img, h("figcaption", t("ui.page", { n }), warn ? " ⚠" : ""));
    fig.onclick = () =>
      img.src && modal(t("ui.page", { n }), h("img.full", { src: img.src, alt: t("ui.page", { n }) }));
    strip.append(fig);
    blobUrl(urlOf(n))
      .then((u) => (img.src = u))
      .catch(() => fig.classList.add("broken"));
    if (n >= 40) {
      strip.append(h("p.muted", t("contract.first_40_pages", { count: pageCount })));
      break;
    }
  }
  return strip;
}

function documentSection(c, canEdit) {
  const d = c.document;
  const body = [];
  if (!d) body.push(h("p.muted", t("contract.no_document_yet_pdf")));
  else {
    body.push(
      h(
        "p.docline",
        h("span.pdf-tag", "PDF"),
        " ",
        h("b", d.filename),
        ` · ${t("ui.pages", { n: d.page_count })} · ${fmtSize(d.size)} `,
        h(
          "button.small.link",
          {
            type: "button",
            onclick: (e) => busy(e.target, () => download(`/api/contract/contracts/${c.id}/document`, d.filename)),
          },
          t("contract.download"),
        ),
      ),
    );
    if (d.scan_warning) {
      body.push(
        h(
          "div.alert.warn",
          h("b", t("contract.possible_scan")),
          t("contract.scan_warning", { pages: d.scan_warning.pages.join(t("ui.sep")) }),
        ),
      );
    }
    body.push(
      pageStrip(d.page_count, (n) => `/api/contract/contracts/${c.id}/pages/${n}.png`, d.scan_warning?.pages || []),
    );
  }
  return h("section.card", h("div.section-head", h("h3", t("contract.document")), canEdit ? uploader(c) : null), body);
}

// ---- detail ---------------------------------------------------------------------------------

function info(label, value) {
  return [h("dt", label), h("dd", value ?? "—")];
}

function timeline(c) {
  return h(
    "section.card",
    h("h3", t("contract.timeline")),
    h(
      "ol.timeline",
      [...c.timeline]
        .reverse()
        .map((ev) =>
          h(
            "li",
            h("div", h("b", ACTIONS[ev.action] || ev.action), " → ", badge(CONTRACT_STATUS, ev.to_status)),
            h(
              "small.muted",
              `${fmtTime(ev.at)} · ${ev.actor_name}${ev.round > 1 ? ` · ${t("ui.round", { n: ev.round })}` : ""}`,
            ),
            ev.note ? h("div.note-text", ev.note) : null,
          ),
        ),
    ),
  );
}

let reasonCache = null;
/** The reviewer's reason codes as their labels (codes as they are if the list fails). */
async function reasonLabels(codes) {
  if (!codes?.length) return [];
  try {
    reasonCache ||= Object.fromEntries(
      (await get("/api/review/reason-codes")).data.map((r) => [r.code, pick(r, "label")]),
    );
  } catch {
    reasonCache = {};
  }
  return codes.map((code) => reasonCache[code] || code);
}

const WAITING = new Set(["submitted", "approved", "signing", "counterparty_signed"]);

export async function detail({ id }, me) {
  const c = await get(`/api/contract/contracts/${id}`);
  const owner = me.roles.includes("lawyer") && c.owner_id === me.id;
  const canEdit = owner && EDITABLE.has(c.status);
  const actions = h("div.actions");
  if (canEdit) {
    actions.append(h("button", { type: "button", onclick: () => editDialog(c) }, t("addr.edit")));
    const ready = c.document && c.signers.length;
    actions.append(
      h(
        "button.primary",
        {
          type: "button",
          title: ready ? "" : t("contract.upload_the_contract_and_add"),
          onclick: (e) => submit(e.target, c),
        },
        c.status === "rejected" ? t("contract.resubmit") : t("contract.submit"),
      ),
    );
  }
  if (owner && WITHDRAWABLE.has(c.status)) {
    actions.append(
      h("button.danger", { type: "button", onclick: (e) => withdraw(e.target, c) }, t("contract.withdraw")),
    );
  }
  if (me.roles.includes("risk_control") && c.status === "counterparty_signed") {
    actions.append(h("a.button.primary", { href: `#/firm-sign/${c.id}` }, t("contract.firm_seal")));
  }
  if (c.has_signed_document) {
    actions.append(
      h(
        "button.primary",
        {
          type: "button",
          onclick: (e) =>
            busy(e.target, () =>
              download(`/api/contract/contracts/${c.id}/signed-document`, t("ui.signed_filename", { title: c.title })),
            ),
        },
        t("contract.signed_pdf"),
      ),
    );
  }
  const parts = [
    h(
      "div.page-head",
      h(
        "div",
        h("a.back", { href: owner ? "#/contracts" : "#/review" }, t("contract.back")),
        h("h2", c.title, " ", badge(CONTRACT_STATUS, c.status)),
      ),
      actions,
    ),
  ];
  if (WAITING.has(c.status)) {
    // review, envelope, counterparties and the firm's seal happen elsewhere: follow them live
    const state = (x) => `${x.status}|${x.has_signed_document}`;
    watch(async () => state(await get(`/api/contract/contracts/${c.id}`)), state(c));
  }
  if (c.status === "rejected" || c.review_comment || c.review_reasons?.length) {
    const labels = await reasonLabels(c.review_reasons);
    parts.push(
      h(
        `div.alert.${c.status === "rejected" ? "error" : "info"}`,
        h("b", c.status === "rejected" ? t("contract.rejected") : t("contract.review")),
        labels.join(t("ui.sep")),
        c.review_comment ? ` — ${c.review_comment}` : "",
        c.reviewer_name ? h("small.block", t("ui.reviewer", { name: c.reviewer_name })) : null,
      ),
    );
  }
  if (c.status === "approved" && owner) {
    parts.push(h("div.alert.info", t("contract.approved_not_yet_signed_under")));
  }
  parts.push(
    h(
      "section.card",
      h(
        "dl.grid",
        info(t("contract.client"), c.client_name),
        info(t("contract.type"), c.contract_type),
        info(t("contract.amount"), fmtAmount(c.amount)),
        info(t("contract.case_no"), c.case_serial_no),
        info(t("contract.lawyer"), c.owner_name),
        info(t("contract.round"), c.round),
        info(t("contract.created"), fmtTime(c.created_at)),
        info(t("contract.cross_page_seal_2"), c.cross_page_seal ? t("contract.yes") : t("contract.no")),
        info(t("contract.remarks"), c.remarks),
      ),
    ),
  );
  parts.push(documentSection(c, canEdit));
  parts.push(
    h(
      "section.card",
      h(
        "div.section-head",
        h("h3", t("contract.signers")),
        canEdit ? h("button", { type: "button", onclick: () => signerDialog(c.id) }, t("contract.add_2")) : null,
      ),
      signersTable(c, canEdit),
    ),
  );
  if (SIGNING.has(c.status)) {
    const slot = h("section.card", h("h3", t("contract.signing")), loading());
    parts.push(slot);
    envelopeSection(c, me, owner)
      .then((el) => fill(slot, h("h3", t("contract.signing")), el))
      .catch((exc) => fill(slot, h("h3", t("contract.signing")), errorBox(exc)));
  }
  if (!owner && (me.roles.includes("risk_control") || me.roles.includes("admin"))) {
    const rounds = h("div", loading());
    parts.push(h("section.card", h("h3", t("contract.review_rounds")), rounds));
    get(`/api/review/contracts/${c.id}/rounds`)
      .then((res) =>
        fill(
          rounds,
          res.data.length
            ? h(
                "ul.plain",
                res.data.map((r) =>
                  h(
                    "li",
                    h("a", { href: `#/review/${r.id}` }, t("ui.round", { n: r.round })),
                    " ",
                    badge(REVIEW_STATE, r.state),
                    " ",
                    h(
                      "span.muted",
                      `${r.decided_by_name || r.claimed_by_name || ""} ${fmtTime(r.closed_at || r.queued_at)}`,
                    ),
                  ),
                ),
              )
            : h("p.muted", t("contract.no_review_rounds")),
        ),
      )
      .catch((exc) => fill(rounds, errorBox(exc)));
  }
  parts.push(timeline(c));
  return h("section.detail", parts);
}

async function submit(button, c) {
  if (!c.document) return showError(new Error(t("contract.upload_the_document_first")));
  if (!c.signers.length) return showError(new Error(t("contract.add_at_least_one_signer")));
  if (!(await confirmDialog(t("contract.submit_for_review"), t("contract.submit_2")))) return;
  busy(button, async () => {
    await post(`/api/contract/contracts/${c.id}/submit`);
    toast(t("contract.submitted"));
    reload();
  });
}

async function withdraw(button, c) {
  if (!(await confirmDialog(t("contract.withdraw_2"), t("contract.withdraw")))) return;
  busy(button, async () => {
    await post(`/api/contract/contracts/${c.id}/withdraw`, {});
    toast(t("contract.withdrawn"));
    reload();
  });
}
