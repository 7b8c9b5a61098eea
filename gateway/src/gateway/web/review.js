// Risk control: the review queue and one review round (claim, release, approve, reject).

import { get, post } from "./api.js";
import { pageStrip } from "./contracts.js";
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

const decidedLabel = (state) => (state === "approved" ? "审核通过" : state === "rejected" ? "已驳回" : "已关闭");

const TABS = [
  ["pending", "待审核", "Pending"],
  ["in_review", "审核中", "In review"],
  ["decided", "已处理", "Decided"],
];

export async function queue(params) {
  const state = params.query.get("state") || "pending";
  const tabs = h(
    "nav.tabs",
    TABS.map(([k, zh, en]) =>
      h(`a${k === state ? ".active" : ""}`, { href: `#/review?state=${k}` }, zh, h("small", en)),
    ),
  );
  const table = pagedTable(
    [
      "合同名称 Title",
      "申请律师 Lawyer",
      "轮次 Round",
      state === "pending" ? "等待 Waiting" : "状态 State",
      "提交 Queued",
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
          r.scan_warning ? h("span.badge.red", { title: "Possible scan" }, "⚠ 疑似扫描件") : null,
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
        h("td", h("a.button.small", { href: `#/review/${r.id}` }, "查看 Open")),
      ),
    "队列为空 The queue is empty",
  );
  return h("section", h("div.page-head", h("h2", "风控审核 ", h("small", "Review queue"))), tabs, table);
}

function submissionView(s) {
  const signers = (s.signers || []).map((x) =>
    h(
      "div.signer-card",
      h("b", x.name),
      " ",
      h("span.badge.grey", x.kind === "enterprise" ? "企业 Enterprise" : "个人 Individual"),
      h(
        "dl.grid.tight",
        h("dt", x.kind === "enterprise" ? "统一社会信用代码" : "身份证号"),
        h("dd.mono", x.id_number),
        x.mobile ? [h("dt", "手机号"), h("dd", x.mobile)] : null,
        x.legal_representative ? [h("dt", "法定代表人"), h("dd", x.legal_representative)] : null,
        x.operator_name ? [h("dt", "经办人"), h("dd", `${x.operator_name} ${x.operator_mobile || ""}`)] : null,
        x.bank_account_name
          ? [
              h("dt", "对公账户"),
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
      h("dt", "委托人 Client"),
      h("dd", s.client_name),
      h("dt", "合同类型 Type"),
      h("dd", s.contract_type),
      h("dt", "金额 Amount"),
      h("dd", fmtAmount(s.amount)),
      h("dt", "案件流水号 Case no."),
      h("dd", s.case_serial_no || "—"),
      h("dt", "申请律师 Lawyer"),
      h("dd", s.owner_name),
      h("dt", "骑缝章 Cross-page seal"),
      h("dd.cross-page-seal", s.cross_page_seal ? "加盖 Yes" : "不加盖 No"),
      h("dt", "备注 Remarks"),
      h("dd", s.remarks || "—"),
      h("dt", "文件 Document"),
      h("dd", s.document?.filename || "—", s.document?.page_count ? ` · ${s.document.page_count} 页` : ""),
    ),
    h("h4", "签署方 Signers"),
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
              toast("已领取 Claimed");
              reload();
            }),
        },
        "领取审核 Claim",
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
              toast("已放回队列 Released");
              reload();
            }),
        },
        "放回队列 Release",
      ),
    );
  }
  const canDecide = isReviewer && r.state === "claimed" && mine; // a round is decided once claimed

  // checklist: every item must be ticked to approve
  const boxes = r.checklist.map((c) =>
    h(
      `label.check${c.warning ? ".warn" : ""}`,
      h("input", { type: "checkbox", value: c.key, checked: c.confirmed, disabled: !canDecide }),
      h(
        "span",
        c.label_zh,
        h("small.block.muted", c.label_en),
        c.warning ? h("small.block.warntext", "⚠ 疑似扫描件 Scan warning: ", c.warning) : null,
      ),
    ),
  );
  const comment = h("textarea", {
    rows: 2,
    maxlength: 2000,
    placeholder: "审核意见（选填） Comment",
    disabled: !canDecide,
  });
  const approve = h("button.primary", { type: "button", disabled: true }, "审核通过 Approve");
  const reject = h("button.danger", { type: "button", disabled: !canDecide }, "驳回 Reject");
  const why = h("small.muted.why");
  const update = () => {
    const left = boxes.filter((b) => !b.querySelector("input").checked).length;
    approve.disabled = !canDecide || left > 0;
    // a greyed-out button says why
    why.textContent = !isReviewer
      ? "仅风控人员可审核"
      : r.state === "pending"
        ? "请先领取审核"
        : r.state === "claimed" && !mine
          ? "该轮审核已由他人领取"
          : !canDecide
            ? ""
            : left
              ? `还有 ${left} 项核对未勾选，全部勾选后才能审核通过`
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
      toast("已审核通过 Approved");
      reload();
    });
  reject.onclick = () => rejectDialog(id, comment.value.trim());

  const docSection = h("section.card", h("h3", "合同文件 ", h("small", "Document")));
  if (s.scan_warning) {
    docSection.append(
      h(
        "div.alert.warn",
        h("b", "⚠ 疑似扫描件 Possible scan: "),
        `第 ${s.scan_warning.pages.join("、")} 页为整页图片且无文字层（${s.scan_warning.reason}）。禁止将对方纸质盖章后的扫描件用于电子签章。`,
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
            : h("p.muted", "无文件 No document"),
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
        h("a.back", { href: "#/review" }, "← 返回队列 Back"),
        h(
          "h2",
          r.title,
          " ",
          badge(REVIEW_STATE, r.state),
          r.scan_warning ? h("span.badge.red", "⚠ 疑似扫描件") : null,
        ),
        h(
          "p.muted",
          `第 ${r.round} 轮 · 提交于 ${fmtTime(r.queued_at)} · `,
          h("a", { href: `#/contracts/${r.contract_id}` }, "合同详情 Contract"),
          r.claimed_by_name ? ` · 审核人 ${r.claimed_by_name}` : "",
        ),
      ),
      actions,
    ),
    decided
      ? h(
          `div.alert.${r.state === "rejected" ? "error" : "info"}`,
          h("b", `${decidedLabel(r.state)} · ${r.decided_by_name || ""} ${fmtTime(r.closed_at)} `),
          r.reasons.length ? `驳回理由 ${r.reasons.join("、")}` : "",
          r.comment ? ` — ${r.comment}` : "",
          r.close_reason ? ` (${r.close_reason})` : "",
        )
      : null,
    h(
      "div.two-col",
      h("div", h("section.card", h("h3", "申请信息 ", h("small", "Submission")), submissionView(s)), docSection),
      h(
        "div",
        h(
          "section.card.sticky",
          h("h3", "核对清单 ", h("small", "Checklist")),
          !canDecide && !decided
            ? h(
                "p.muted",
                r.state === "claimed"
                  ? `由 ${r.claimed_by_name} 审核中 Claimed by another reviewer`
                  : "领取后可审核 Claim to review",
              )
            : null,
          h("div.checklist", boxes),
          canDecide ? comment : null,
          canDecide ? [h("div.actions", reject, approve), why] : null,
        ),
        r.history.length > 1
          ? h(
              "section.card",
              h("h3", "历次审核 ", h("small", "History")),
              h(
                "ul.history",
                r.history.map((x) =>
                  h(
                    "li",
                    h("a", { href: `#/review/${x.id}` }, `第 ${x.round} 轮`),
                    " ",
                    badge(REVIEW_STATE, x.state),
                    " ",
                    x.decided_by_name || "",
                    " ",
                    fmtTime(x.closed_at || x.queued_at),
                    x.reasons.length ? h("small.block.muted", x.reasons.join("、")) : null,
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
  const comment = h("textarea", { rows: 3, maxlength: 2000, placeholder: "给申请律师的说明 Comment for the lawyer" });
  comment.value = initialComment || "";
  const boxes = codes.map((c) =>
    h(
      "label.check",
      h("input", { type: "checkbox", value: c.code }),
      h("span", c.label_zh, h("small.block.muted", c.label_en)),
    ),
  );
  const ok = h("button.danger", { type: "button" }, "确认驳回 Reject");
  const m = modal(
    "驳回申请 Reject",
    h("p", "请选择驳回理由（至少一项） Choose at least one reason"),
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
      if (!reasons.length) throw new Error("请至少选择一项驳回理由 Choose a reason");
      await post(`/api/review/items/${id}/reject`, { reasons, comment: comment.value.trim() || null });
      m.close();
      toast("已驳回 Rejected");
      reload();
    });
}
