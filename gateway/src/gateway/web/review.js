// Risk control: the review queue and one review round (claim, release, approve, reject).

import { get, post } from "./api.js";
import { pageStrip } from "./contracts.js";
import { pick, t } from "./i18n.js";
import {
  badge,
  busy,
  errorBox,
  fill,
  fmtAmount,
  fmtTime,
  fmtWait,
  go,
  h,
  loading,
  modal,
  pagedTable,
  REVIEW_STATE,
  reload,
  toast,
} from "./ui.js";

const decidedLabel = (state) =>
  state === "approved" ? t("review.approved_2") : state === "rejected" ? t("ladmin.rejected") : t("review.closed");

const TABS = [
  ["pending", t("ui.pending")],
  ["in_review", t("review.in_review")],
  ["decided", t("review.decided")],
];

export async function queue(params) {
  const state = params.query.get("state") || "pending";
  const tabs = h(
    "nav.tabs",
    TABS.map(([k, text]) => h(`a${k === state ? ".active" : ""}`, { href: `#/review?state=${k}` }, text)),
  );
  const table = pagedTable(
    [
      t("contract.title"),
      t("contract.lawyer"),
      t("contract.round"),
      state === "pending" ? t("review.waiting") : t("letter.state"),
      t("review.queued"),
      "",
    ],
    (cursor) =>
      get(`/api/review/queue?state=${state}&limit=30${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`),
    (r) =>
      h(
        "tr.clickable",
        { onclick: () => go(`review/${r.id}`) },
        h(
          "td",
          h("a", { href: `#/review/${r.id}` }, r.title),
          r.scan_warning ? h("span.badge.red", t("review.possible_scan")) : null,
        ),
        h("td", r.owner_name),
        h("td", r.round),
        h(
          "td",
          state === "pending"
            ? fmtWait(r.waiting_seconds)
            : [
                badge(REVIEW_STATE, r.state),
                r.claimed_by_name && r.state === "claimed" ? h("small.block.muted", r.claimed_by_name) : null,
                r.decided_by_name ? h("small.block.muted", r.decided_by_name) : null,
              ],
        ),
        h("td", fmtTime(r.queued_at)),
        h("td", h("a.button.small", { href: `#/review/${r.id}` }, t("review.open"))),
      ),
    t("review.the_queue_is_empty"),
  );
  return h("section", h("div.page-head", h("h2", t("review.review_queue"))), tabs, table);
}

function submissionView(s) {
  const signers = (s.signers || []).map((x) =>
    h(
      "div.signer-card",
      h("b", x.name),
      " ",
      h("span.badge.grey", x.kind === "enterprise" ? t("contract.enterprise") : t("contract.individual")),
      h(
        "dl.grid.tight",
        h("dt", x.kind === "enterprise" ? t("contract.credit_code") : t("contract.resident_id")),
        h("dd.mono", x.id_number),
        x.mobile ? [h("dt", t("contract.mobile")), h("dd", x.mobile)] : null,
        x.legal_representative ? [h("dt", t("contract.legal_representative")), h("dd", x.legal_representative)] : null,
        x.operator_name
          ? [h("dt", t("review.operator")), h("dd", `${x.operator_name} ${x.operator_mobile || ""}`)]
          : null,
        x.bank_account_name
          ? [
              h("dt", t("contract.bank_account")),
              h(
                "dd",
                x.bank_account_name,
                h("br"),
                h("span.mono", x.bank_account_number || ""),
                h("br"),
                x.bank_name || "",
              ),
            ]
          : null,
      ),
    ),
  );
  return [
    h(
      "dl.grid",
      h("dt", t("contract.client")),
      h("dd", s.client_name),
      h("dt", t("contract.type")),
      h("dd", s.contract_type),
      h("dt", t("contract.amount")),
      h("dd", fmtAmount(s.amount)),
      h("dt", t("contract.case_no")),
      h("dd", s.case_serial_no || "—"),
      h("dt", t("contract.lawyer")),
      h("dd", s.owner_name),
      h("dt", t("contract.cross_page_seal_2")),
      h("dd.cross-page-seal", s.cross_page_seal ? t("contract.yes") : t("contract.no")),
      h("dt", t("contract.remarks")),
      h("dd", s.remarks || "—"),
      h("dt", t("review.document")),
      h(
        "dd",
        s.document?.filename || "—",
        s.document?.page_count ? ` · ${t("ui.pages", { n: s.document.page_count })}` : "",
      ),
    ),
    h("h4", t("contract.signers")),
    h("div.signers", signers),
  ];
}

export async function item({ id }, me) {
  const r = await get(`/api/review/items/${id}`);
  const s = r.submission || {};
  const mine = r.claimed_by === me.id;
  const isReviewer = me.roles.includes("risk_control");
  const actions = h("div.actions");
  if (isReviewer && r.state === "pending") {
    actions.append(
      h(
        "button.primary",
        {
          type: "button",
          onclick: (e) =>
            busy(e.target, async () => {
              await post(`/api/review/items/${id}/claim`);
              toast(t("review.claimed"));
              reload();
            }),
        },
        t("review.claim"),
      ),
    );
  }
  if (r.state === "claimed" && (mine || me.roles.includes("admin"))) {
    actions.append(
      h(
        "button",
        {
          type: "button",
          onclick: (e) =>
            busy(e.target, async () => {
              await post(`/api/review/items/${id}/release`);
              toast(t("review.released"));
              reload();
            }),
        },
        t("review.release"),
      ),
    );
  }
  const canDecide = isReviewer && r.state === "claimed" && mine; // a round is decided once claimed

  // checklist: every item must be ticked to approve
  const boxes = r.checklist.map((c) =>
    h(
      `label.check${c.warning ? ".warn" : ""}`,
      h("input", { type: "checkbox", value: c.key, checked: c.confirmed, disabled: !canDecide }),
      h("span", pick(c, "label"), c.warning ? h("small.block.warntext", t("review.scan_warning"), c.warning) : null),
    ),
  );
  const comment = h("textarea", {
    rows: 2,
    maxlength: 2000,
    placeholder: t("review.comment"),
    disabled: !canDecide,
  });
  const approve = h("button.primary", { type: "button", disabled: true }, t("review.approve"));
  const reject = h("button.danger", { type: "button", disabled: !canDecide }, t("ladmin.reject_2"));
  const why = h("small.muted.why");
  const update = () => {
    const left = boxes.filter((b) => !b.querySelector("input").checked).length;
    approve.disabled = !canDecide || left > 0;
    // a greyed-out button says why
    why.textContent = !isReviewer
      ? t("review.only_risk_control_can_review")
      : r.state === "pending"
        ? t("review.claim_the_review_first")
        : r.state === "claimed" && !mine
          ? t("review.another_reviewer_has_claimed_this")
          : !canDecide
            ? ""
            : left
              ? t("review.items_left", { n: left })
              : "";
    approve.title = why.textContent;
  };
  for (const b of boxes) b.querySelector("input").addEventListener("change", update);
  update();
  approve.onclick = () =>
    busy(approve, async () => {
      const confirmations = boxes
        .map((b) => b.querySelector("input"))
        .filter((i) => i.checked)
        .map((i) => i.value);
      await post(`/api/review/items/${id}/approve`, { confirmations, comment: comment.value.trim() || null });
      toast(t("review.approved"));
      reload();
    });
  reject.onclick = () => rejectDialog(id, comment.value.trim());

  const docSection = h("section.card", h("h3", t("contract.document")));
  if (s.scan_warning) {
    docSection.append(
      h(
        "div.alert.warn",
        h("b", t("contract.possible_scan")),
        t("review.scan_pages", { pages: s.scan_warning.pages.join(t("ui.sep")), reason: s.scan_warning.reason }),
      ),
    );
  }
  const pages = s.document?.page_count;
  if (pages) {
    docSection.append(
      pageStrip(pages, (n) => `/api/contract/contracts/${r.contract_id}/pages/${n}.png`, s.scan_warning?.pages || []),
    );
  } else {
    // page count not in the snapshot: ask the contract service
    const slot = h("div", loading());
    docSection.append(slot);
    get(`/api/contract/contracts/${r.contract_id}`)
      .then((c) =>
        fill(
          slot,
          c.document
            ? pageStrip(
                c.document.page_count,
                (n) => `/api/contract/contracts/${r.contract_id}/pages/${n}.png`,
                c.document.scan_warning?.pages || [],
              )
            : h("p.muted", t("review.no_document")),
        ),
      )
      .catch((exc) => fill(slot, errorBox(exc)));
  }

  const decided = r.state !== "pending" && r.state !== "claimed";
  return h(
    "section.detail",
    h(
      "div.page-head",
      h(
        "div",
        h("a.back", { href: "#/review" }, t("review.back")),
        h(
          "h2",
          r.title,
          " ",
          badge(REVIEW_STATE, r.state),
          r.scan_warning ? h("span.badge.red", t("review.possible_scan")) : null,
        ),
        h(
          "p.muted",
          t("review.round_queued", { n: r.round, at: fmtTime(r.queued_at) }),
          h("a", { href: `#/contracts/${r.contract_id}` }, t("review.contract")),
          r.claimed_by_name ? ` · ${t("ui.reviewer", { name: r.claimed_by_name })}` : "",
        ),
      ),
      actions,
    ),
    decided
      ? h(
          `div.alert.${r.state === "rejected" ? "error" : "info"}`,
          h("b", `${decidedLabel(r.state)} · ${r.decided_by_name || ""} ${fmtTime(r.closed_at)} `),
          r.reasons.length ? t("review.reasons", { reasons: r.reasons.join(t("ui.sep")) }) : "",
          r.comment ? ` — ${r.comment}` : "",
          r.close_reason ? ` (${r.close_reason})` : "",
        )
      : null,
    h(
      "div.two-col",
      h("div", h("section.card", h("h3", t("review.submission")), submissionView(s)), docSection),
      h(
        "div",
        h(
          "section.card.sticky",
          h("h3", t("review.checklist")),
          !canDecide && !decided
            ? h(
                "p.muted",
                r.state === "claimed"
                  ? t("review.claimed_by", { name: r.claimed_by_name })
                  : t("review.claim_to_review"),
              )
            : null,
          h("div.checklist", boxes),
          canDecide ? comment : null,
          canDecide ? [h("div.actions", reject, approve), why] : null,
        ),
        r.history.length > 1
          ? h(
              "section.card",
              h("h3", t("review.history")),
              h(
                "ul.history",
                r.history.map((x) =>
                  h(
                    "li",
                    h("a", { href: `#/review/${x.id}` }, t("ui.round", { n: x.round })),
                    " ",
                    badge(REVIEW_STATE, x.state),
                    " ",
                    x.decided_by_name || "",
                    " ",
                    fmtTime(x.closed_at || x.queued_at),
                    x.reasons.length ? h("small.block.muted", x.reasons.join(t("ui.sep"))) : null,
                    x.comment ? h("small.block.muted", x.comment) : null,
                  ),
                ),
              ),
            )
          : null,
      ),
    ),
  );
}

async function rejectDialog(id, initialComment) {
  let codes;
  try {
    codes = (await get("/api/review/reason-codes")).data;
  } catch (exc) {
    toast(exc.message, "error");
    return;
  }
  const comment = h("textarea", { rows: 3, maxlength: 2000, placeholder: t("review.comment_for_the_lawyer") });
  comment.value = initialComment || "";
  const boxes = codes.map((c) =>
    h("label.check", h("input", { type: "checkbox", value: c.code }), h("span", pick(c, "label"))),
  );
  const ok = h("button.danger", { type: "button" }, t("review.reject"));
  const m = modal(
    t("review.reject_2"),
    h("p", t("review.choose_at_least_one_reason")),
    h("div.checklist", boxes),
    comment,
    h("div.actions", ok),
  );
  ok.onclick = () =>
    busy(ok, async () => {
      const reasons = boxes
        .map((b) => b.querySelector("input"))
        .filter((i) => i.checked)
        .map((i) => i.value);
      if (!reasons.length) throw new Error(t("review.choose_a_reason"));
      await post(`/api/review/items/${id}/reject`, { reasons, comment: comment.value.trim() || null });
      m.close();
      toast(t("ladmin.rejected"));
      reload();
    });
}
