// Lawyer: contract applications — list, new application, document, signers, submit, signing.

import { api, blobUrl, download, get, patch, post, upload } from "./api.js";
import { envelopeOf, envelopeSection } from "./envelope.js";
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
const CONTRACT_TYPES = ["委托代理合同", "常年法律顾问合同", "非诉专项服务合同", "和解协议", "其他"];

const ACTIONS = {
  create: "创建申请",
  submit: "提交审核",
  resubmit: "重新提交",
  withdraw: "撤回",
  approve: "风控审核通过",
  reject: "风控驳回",
  invite: "发出签章邀请",
  counterparty_sign: "对方签章",
  all_counterparties_signed: "对方全部签章",
  complete: "律所签章，签署完成",
  decline: "对方拒签",
  void: "作废",
  expire: "过期",
  "review.approved": "风控审核通过",
  "review.rejected": "风控驳回",
  "signing.envelope_prepared": "签署文件已准备",
  "signing.invitation_created": "发出签章邀请",
  "signing.signer_verified": "签署方完成身份验证",
  "signing.counterparty_signed": "对方签章",
  "signing.declined": "对方拒签",
  "signing.voided": "签署作废",
  "signing.expired": "签署过期",
  "signing.completed": "律所签章，签署完成",
  "signing.document_sealed": "文件已盖章",
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
                  s.kind === "firm" ? "律所签章" : s.name,
                  s.kind === "firm"
                    ? null
                    : h(
                        "small.muted",
                        byId[s.signer_id] ? ` · 至 ${fmtTime(byId[s.signer_id].expires_at)}` : " · 未邀请",
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
      { name: "status", "aria-label": "状态 Status" },
      h("option", { value: "" }, "全部状态 All"),
      Object.entries(CONTRACT_STATUS).map(([k, [zh]]) => h("option", { value: k }, zh)),
    ),
    h("input", { name: "q", type: "search", placeholder: "搜索合同名称/委托人 Search", value: q }),
    h("button", { type: "submit" }, "查询 Search"),
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
      "合同名称 Title",
      "委托人 Client",
      "金额 Amount",
      "状态 Status",
      "待签署方 · 链接有效期 Pending signers",
      "签署截止 Deadline",
      "更新 Updated",
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
          c.status === "approved" ? h("a.button.small", { href: `#/contracts/${c.id}` }, "电子签章 E-seal") : null,
        ),
      ),
    "暂无合同申请 No applications",
  );
  return h(
    "section",
    h(
      "div.page-head",
      h("h2", "合同申请 ", h("small", "Contract applications")),
      h("a.button.primary", { href: "#/contracts/new" }, "＋ 新建申请 New"),
    ),
    form,
    table,
  );
}

// ---- new / edit -----------------------------------------------------------------------------

function contractFields(c = {}) {
  return [
    field("title", "合同名称", "Title", { required: true, maxlength: 200, value: c.title }),
    h(
      "div.row",
      field("contract_type", "合同类型", "Type", {
        required: true,
        maxlength: 64,
        list: "contract-types",
        value: c.contract_type,
        placeholder: "可选择或输入 Choose or type",
      }),
      field("client_name", "委托人", "Client", { required: true, maxlength: 200, value: c.client_name }),
    ),
    h(
      "div.row",
      field("amount", "合同金额（元）", "Amount (CNY)", { type: "number", min: "0", step: "0.01", value: c.amount }),
      field("case_serial_no", "案件流水号", "Case serial no.", { maxlength: 64, value: c.case_serial_no }),
    ),
    field("remarks", "备注", "Remarks", { type: "textarea", maxlength: 5000, rows: 3, value: c.remarks }),
    h(
      "label.inline",
      h("input", { type: "checkbox", name: "cross_page_seal", checked: !!c.cross_page_seal }),
      " 加盖骑缝章 Cross-page seal",
      h(
        "small.block.muted",
        "律所签章时，印章按页数等分，盖在每页右侧边缘的同一高度 The firm's seal is split across the right edge of every page",
      ),
    ),
    h(
      "datalist#contract-types",
      CONTRACT_TYPES.map((t) => h("option", { value: t })),
    ),
  ];
}

export async function create() {
  const form = h(
    "form.card.stack",
    contractFields(),
    h(
      "div.actions",
      h("a.button", { href: "#/contracts" }, "取消 Cancel"),
      h("button.primary", { type: "submit" }, "保存并继续 Save & continue"),
    ),
  );
  form.onsubmit = async (e) => {
    e.preventDefault();
    const button = form.querySelector("button[type=submit]");
    await busy(button, async () => {
      try {
        const c = await post("/api/contract/contracts", readForm(form));
        toast("申请已保存，请上传合同文件并添加签署方 Saved");
        go(`contracts/${c.id}`);
      } catch (exc) {
        markInvalid(form, exc);
        throw exc;
      }
    });
  };
  return h(
    "section",
    h("div.page-head", h("h2", "新建合同申请 ", h("small", "New application"))),
    h("p.muted", "第一步：填写申请信息；保存后上传合同文件（PDF）、添加签署方，再提交风控审核。"),
    form,
  );
}

function editDialog(c) {
  const form = h(
    "form.stack",
    contractFields(c),
    h("div.actions", h("button.primary", { type: "submit" }, "保存 Save")),
  );
  const m = modal("修改申请 Edit application", form);
  form.onsubmit = (e) => {
    e.preventDefault();
    busy(form.querySelector("button"), async () => {
      const values = readForm(form);
      await patch(`/api/contract/contracts/${c.id}`, values);
      m.close();
      toast("已保存 Saved");
      reload();
    });
  };
}

// ---- signers --------------------------------------------------------------------------------

const SIGNER_FIELDS = {
  individual: [
    ["name", "姓名", "Name", { required: true, maxlength: 200 }],
    [
      "id_number",
      "身份证号",
      "Resident ID",
      { required: true, maxlength: 18, pattern: "[0-9]{17}[0-9Xx]", hint: "18 位居民身份证号码" },
    ],
    ["mobile", "手机号", "Mobile", { required: true, maxlength: 20, inputmode: "tel" }],
  ],
  enterprise: [
    ["name", "企业名称", "Company name", { required: true, maxlength: 200 }],
    [
      "id_number",
      "统一社会信用代码",
      "Credit code",
      { required: true, maxlength: 18, pattern: "[0-9A-Za-z]{18}", hint: "18 位" },
    ],
    ["legal_representative", "法定代表人", "Legal representative", { required: true, maxlength: 100 }],
    ["operator_name", "经办人姓名", "Operator", { required: true, maxlength: 100 }],
    ["operator_mobile", "经办人手机号", "Operator mobile", { required: true, maxlength: 20, inputmode: "tel" }],
    [
      "bank_account_name",
      "对公账户户名",
      "Account name",
      { required: true, maxlength: 200, hint: "用于小额打款验证，请务必准确 Used for the micro-deposit" },
    ],
    ["bank_account_number", "对公账号", "Account number", { required: true, maxlength: 40, inputmode: "numeric" }],
    ["bank_name", "开户银行", "Bank", { required: true, maxlength: 200 }],
  ],
};

function signerDialog(contractId) {
  const kindPicker = h(
    "div.segmented",
    { role: "radiogroup" },
    h("label", h("input", { type: "radio", name: "kind", value: "individual", checked: true }), "个人 Individual"),
    h("label", h("input", { type: "radio", name: "kind", value: "enterprise" }), "企业 Enterprise"),
  );
  const fields = h("div.stack");
  const form = h(
    "form.stack",
    kindPicker,
    fields,
    h("div.actions", h("button.primary", { type: "submit" }, "添加 Add")),
  );
  const draw = () => {
    const kind = form.querySelector("input[name=kind]:checked").value;
    fill(
      fields,
      SIGNER_FIELDS[kind].map(([n, zh, en, o]) => field(n, zh, en, o)),
    );
  };
  kindPicker.onchange = draw;
  draw();
  const m = modal("添加签署方 Add signer", form);
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
      toast("签署方已添加 Signer added");
      reload();
    });
  };
}

function signersTable(c, canEdit) {
  if (!c.signers.length) return h("p.muted", "尚未添加签署方 No signers yet");
  return h(
    "div.table-wrap",
    h(
      "table.list",
      h(
        "thead",
        h(
          "tr",
          ["类型 Kind", "名称 Name", "证件号 ID", "联系方式 Contact", "对公账户 Bank account", ""].map((t) =>
            h("th", t),
          ),
        ),
      ),
      h(
        "tbody",
        c.signers.map((s) =>
          h(
            "tr",
            h("td", s.kind === "enterprise" ? "企业" : "个人"),
            h(
              "td",
              s.name,
              s.legal_representative ? h("small.block.muted", `法定代表人 ${s.legal_representative}`) : null,
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
                    "删除 Remove",
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
  if (!(await confirmDialog(`删除签署方「${s.name}」？ Remove this signer?`, "删除 Remove"))) return;
  busy(button, async () => {
    await api("DELETE", `/api/contract/contracts/${contractId}/signers/${s.id}`);
    toast("已删除 Removed");
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
    c.document ? "重新上传 Replace PDF" : "上传合同 Upload PDF",
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
        toast("合同文件已上传 Uploaded");
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
    const img = h("img", { alt: `第 ${n} 页 Page ${n}`, loading: "lazy" });
    const warn = warnPages.includes(n);
    const fig = h(`figure.thumb${warn ? ".warn" : ""}`, img, h("figcaption", `第 ${n} 页`, warn ? " ⚠" : ""));
    fig.onclick = () => img.src && modal(`第 ${n} 页 Page ${n}`, h("img.full", { src: img.src, alt: `Page ${n}` }));
    strip.append(fig);
    blobUrl(urlOf(n))
      .then((u) => (img.src = u))
      .catch(() => fig.classList.add("broken"));
    if (n >= 40) {
      strip.append(h("p.muted", `仅显示前 40 页（共 ${pageCount} 页） Only the first 40 pages`));
      break;
    }
  }
  return strip;
}

function documentSection(c, canEdit) {
  const d = c.document;
  const body = [];
  if (!d) body.push(h("p.muted", "尚未上传合同文件 No document yet (PDF)"));
  else {
    body.push(
      h(
        "p.docline",
        h("span.pdf-tag", "PDF"),
        " ",
        h("b", d.filename),
        ` · ${d.page_count} 页 · ${fmtSize(d.size)} `,
        h(
          "button.small.link",
          {
            type: "button",
            onclick: (e) => busy(e.target, () => download(`/api/contract/contracts/${c.id}/document`, d.filename)),
          },
          "下载原件 Download",
        ),
      ),
    );
    if (d.scan_warning) {
      body.push(
        h(
          "div.alert.warn",
          h("b", "⚠ 疑似扫描件 Possible scan: "),
          `第 ${d.scan_warning.pages.join("、")} 页为整页图片且无文字层。严禁将对方已纸质盖章的合同扫描后上传电子签章。`,
        ),
      );
    }
    body.push(
      pageStrip(d.page_count, (n) => `/api/contract/contracts/${c.id}/pages/${n}.png`, d.scan_warning?.pages || []),
    );
  }
  return h(
    "section.card",
    h("div.section-head", h("h3", "合同文件 ", h("small", "Document")), canEdit ? uploader(c) : null),
    body,
  );
}

// ---- detail ---------------------------------------------------------------------------------

function info(label, value) {
  return [h("dt", label), h("dd", value ?? "—")];
}

function timeline(c) {
  return h(
    "section.card",
    h("h3", "状态记录 ", h("small", "Timeline")),
    h(
      "ol.timeline",
      [...c.timeline]
        .reverse()
        .map((t) =>
          h(
            "li",
            h("div", h("b", ACTIONS[t.action] || t.action), " → ", badge(CONTRACT_STATUS, t.to_status)),
            h("small.muted", `${fmtTime(t.at)} · ${t.actor_name}${t.round > 1 ? ` · 第 ${t.round} 轮` : ""}`),
            t.note ? h("div.note-text", t.note) : null,
          ),
        ),
    ),
  );
}

let reasonCache = null;
/** The reviewer's reason codes as their Chinese labels (codes as they are if the list fails). */
async function reasonLabels(codes) {
  if (!codes?.length) return [];
  try {
    reasonCache ||= Object.fromEntries((await get("/api/review/reason-codes")).data.map((r) => [r.code, r.label_zh]));
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
    actions.append(h("button", { type: "button", onclick: () => editDialog(c) }, "修改 Edit"));
    const ready = c.document && c.signers.length;
    actions.append(
      h(
        "button.primary",
        {
          type: "button",
          title: ready ? "" : "请先上传合同文件并添加签署方",
          onclick: (e) => submit(e.target, c),
        },
        c.status === "rejected" ? "重新提交 Resubmit" : "提交审核 Submit",
      ),
    );
  }
  if (owner && WITHDRAWABLE.has(c.status)) {
    actions.append(h("button.danger", { type: "button", onclick: (e) => withdraw(e.target, c) }, "撤回 Withdraw"));
  }
  if (me.roles.includes("risk_control") && c.status === "counterparty_signed") {
    actions.append(h("a.button.primary", { href: `#/firm-sign/${c.id}` }, "律所签章 Firm seal"));
  }
  if (c.has_signed_document) {
    actions.append(
      h(
        "button.primary",
        {
          type: "button",
          onclick: (e) =>
            busy(e.target, () => download(`/api/contract/contracts/${c.id}/signed-document`, `${c.title}-已签署.pdf`)),
        },
        "下载已签署合同 Signed PDF",
      ),
    );
  }
  const parts = [
    h(
      "div.page-head",
      h(
        "div",
        h("a.back", { href: owner ? "#/contracts" : "#/review" }, "← 返回 Back"),
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
        h("b", c.status === "rejected" ? "风控驳回 Rejected: " : "审核意见 Review: "),
        labels.join("、"),
        c.review_comment ? ` — ${c.review_comment}` : "",
        c.reviewer_name ? h("small.block", `审核人 ${c.reviewer_name}`) : null,
      ),
    );
  }
  if (c.status === "approved" && owner) {
    parts.push(h("div.alert.info", "已审核未签章：请在下方「签署」中为每位签署方生成邀请二维码，发送给对方扫码签章。"));
  }
  parts.push(
    h(
      "section.card",
      h(
        "dl.grid",
        info("委托人 Client", c.client_name),
        info("合同类型 Type", c.contract_type),
        info("金额 Amount", fmtAmount(c.amount)),
        info("案件流水号 Case no.", c.case_serial_no),
        info("申请律师 Lawyer", c.owner_name),
        info("轮次 Round", c.round),
        info("创建 Created", fmtTime(c.created_at)),
        info("骑缝章 Cross-page seal", c.cross_page_seal ? "加盖 Yes" : "不加盖 No"),
        info("备注 Remarks", c.remarks),
      ),
    ),
  );
  parts.push(documentSection(c, canEdit));
  parts.push(
    h(
      "section.card",
      h(
        "div.section-head",
        h("h3", "签署方 ", h("small", "Signers")),
        canEdit ? h("button", { type: "button", onclick: () => signerDialog(c.id) }, "＋ 添加 Add") : null,
      ),
      signersTable(c, canEdit),
    ),
  );
  if (SIGNING.has(c.status)) {
    const slot = h("section.card", h("h3", "签署 ", h("small", "Signing")), loading());
    parts.push(slot);
    envelopeSection(c, me, owner)
      .then((el) => fill(slot, h("h3", "签署 ", h("small", "Signing")), el))
      .catch((exc) => fill(slot, h("h3", "签署 ", h("small", "Signing")), errorBox(exc)));
  }
  if (!owner && (me.roles.includes("risk_control") || me.roles.includes("admin"))) {
    const rounds = h("div", loading());
    parts.push(h("section.card", h("h3", "审核轮次 ", h("small", "Review rounds")), rounds));
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
                    h("a", { href: `#/review/${r.id}` }, `第 ${r.round} 轮`),
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
            : h("p.muted", "暂无审核记录 No review rounds"),
        ),
      )
      .catch((exc) => fill(rounds, errorBox(exc)));
  }
  parts.push(timeline(c));
  return h("section.detail", parts);
}

async function submit(button, c) {
  if (!c.document) return showError(new Error("请先上传合同文件 Upload the document first"));
  if (!c.signers.length) return showError(new Error("请至少添加一个签署方 Add at least one signer"));
  if (!(await confirmDialog("提交后将进入风控审核，审核期间不能修改。确认提交？ Submit for review?", "提交 Submit")))
    return;
  busy(button, async () => {
    await post(`/api/contract/contracts/${c.id}/submit`);
    toast("已提交风控审核 Submitted");
    reload();
  });
}

async function withdraw(button, c) {
  if (!(await confirmDialog("撤回后本申请将终止（如已发出签章邀请也将作废）。确认撤回？ Withdraw?", "撤回 Withdraw")))
    return;
  busy(button, async () => {
    await post(`/api/contract/contracts/${c.id}/withdraw`, {});
    toast("已撤回 Withdrawn");
    reload();
  });
}
