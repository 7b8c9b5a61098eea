// Firm letters (所函): the lawyer's applications, previews, shares, address book; the clerk's queue.

import { api, blobUrl, download, get, patch, post, put } from "./api.js";
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

const KIND = { electronic: "电子所函", paper: "纸质所函" };
const EDITABLE = new Set(["draft", "rejected", "withdrawn"]);
const DELIVERY = { pickup: "自取 Pick-up", mail: "邮寄 Mail" };
const openedWhat = (what) => (what === "document" ? "下载 PDF" : "打开页面");
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
    h("td", h("a", { href: `#/letters/${l.id}` }, l.number || "（未编号）"), h("small.block.muted", KIND[l.kind])),
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
    { "aria-label": "状态 Status" },
    h("option", { value: "" }, "全部状态 All"),
    Object.entries(LETTER_STATUS)
      .filter(
        ([k]) => kind === "paper" || !["printed", "mailed", "ready_for_pickup", "received", "picked_up"].includes(k),
      )
      .map(([k, [zh]]) => h("option", { value: k }, zh)),
  );
  filter.value = status;
  filter.onchange = () => go(`letters?kind=${kind}${filter.value ? `&status=${filter.value}` : ""}`);
  const table = pagedTable(
    ["编号 No.", "致函单位 Recipient", "案件流水号 Case", "出函日期 Date", "状态 Status", "更新 Updated"],
    (cursor) => {
      const p = new URLSearchParams({ kind, limit: "20" });
      if (status) p.set("status", status);
      if (cursor) p.set("cursor", cursor);
      return get(`/api/letters/letters?${p}`);
    },
    (l) => letterRow(l, false),
    "暂无函件 No letters",
  );
  return h(
    "section",
    h(
      "div.page-head",
      h("h2", "函件申请 ", h("small", "Firm letters")),
      h("a.button.primary", { href: `#/letters/new?kind=${kind}` }, "＋ 新建函件 New"),
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
      placeholder: "律师姓名 Name",
      maxlength: 64,
      required: true,
      value: l.name || "",
    }),
    h("input", {
      name: "lawyer_licence",
      placeholder: "执业证号（17 位） Licence no.",
      pattern: "\\d{17}",
      maxlength: 17,
      inputmode: "numeric",
      required: true,
      title: "17 位数字 17 digits",
      value: l.licence_no || "",
    }),
    h(
      "button.small.ghost",
      { type: "button", title: "删除 Remove", onclick: () => row.parentElement.children.length > 1 && row.remove() },
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
  const wrap = h("fieldset.delivery", h("legend", "领取方式 ", h("small", "Delivery")));
  const radios = h(
    "div.segmented",
    h(
      "label",
      h("input", { type: "radio", name: "method", value: "pickup", checked: method === "pickup" }),
      "自取 Pick-up",
    ),
    h("label", h("input", { type: "radio", name: "method", value: "mail", checked: method === "mail" }), "邮寄 Mail"),
  );
  const source = h(
    "select",
    { name: "address_id" },
    book.map((a) => h("option", { value: a.id }, `${a.is_default ? "【默认】" : ""}${addressLine(a)}`)),
    h("option", { value: "" }, "＋ 使用新地址 New address"),
  );
  const def = book.find((a) => a.is_default) || book[0];
  if (def) source.value = def.id;
  const fresh = h(
    "div.stack.new-address",
    h(
      "div.row",
      field("addr_name", "收件人（申请律师本人）", "Recipient: you", {
        maxlength: 64,
        value: me?.display_name,
        readonly: !!me?.display_name,
        hint: "邮寄仅限申请律师本人 Mail goes only to you",
      }),
      field("addr_phone", "联系电话", "Phone", { maxlength: 32, pattern: "[0-9+\\- ]{5,32}", inputmode: "tel" }),
    ),
    h(
      "div.row",
      field("addr_province", "省", "Province", { maxlength: 32 }),
      field("addr_city", "市", "City", { maxlength: 32 }),
      field("addr_district", "区/县", "District", { maxlength: 32 }),
    ),
    field("addr_street", "详细地址", "Street", { maxlength: 200 }),
    h(
      "label.inline",
      h("input", { type: "checkbox", name: "save_to_book", checked: true }),
      " 保存到地址簿 Save to address book",
    ),
    h("label.inline", h("input", { type: "checkbox", name: "make_default" }), " 设为默认地址 Make default"),
  );
  const rule = h(
    "p.alert.info.mail-rule",
    "纸质所函只邮寄给申请律师本人：请选择或填写您本人的收件地址（地址簿中保存的是您本人的地址），不要填写致函单位的地址。",
    h("br"),
    h(
      "small",
      "A paper letter is mailed only to you, the applying lawyer: " +
        "use your own address, never the recipient organisation's.",
    ),
  );
  const mail = h(
    "div.stack.mail",
    rule,
    field("_src", "邮寄地址（本人）", "Your address", { type: "select", options: [] }),
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
  // a new letter starts with the applying lawyer: their name, and the licence they used last
  const self = { name: me?.display_name || "", licence_no: localStorage.getItem(licenceKey(me)) || "" };
  const lawyers = h("div.lawyers", (content.lawyers?.length ? content.lawyers : [self]).map(lawyerRow));
  const deliverySlot = h("div");
  const form = h(
    "form.card.stack",
    h("h3", "基本信息 ", h("small", "Application")),
    isNew
      ? h(
          "div.segmented.kind",
          h(
            "label",
            h("input", { type: "radio", name: "kind", value: "electronic", checked: kind === "electronic" }),
            "电子所函 Electronic",
          ),
          h(
            "label",
            h("input", { type: "radio", name: "kind", value: "paper", checked: kind === "paper" }),
            "纸质所函 Paper",
          ),
        )
      : h("p", h("b", KIND[kind])),
    h(
      "div.row",
      field("case_serial_no", "案件流水号", "Case serial no.", {
        required: true,
        maxlength: 64,
        value: letter?.case_serial_no,
        hint: "OA 系统中的案件流水号，如 2024-MS-0001",
        pattern: "[A-Za-z0-9][A-Za-z0-9\\-]{5,39}",
      }),
      field("cause_of_action", "案由", "Cause of action", {
        required: true,
        maxlength: 200,
        value: letter?.cause_of_action,
        hint: "与 OA 系统中的案由一致",
      }),
    ),
    h(
      "div.row",
      field("letter_type", "函件类型", "Letter type", {
        type: "select",
        required: true,
        options: types.map((t) => [t.code, `${t.name_zh} ${t.name_en}`]),
        value: letter?.letter_type,
      }),
      field("letter_date", "出函日期", "Letter date", {
        type: "date",
        required: true,
        value: letter?.letter_date || today(),
        hint: "落款日期 Printed at the bottom",
      }),
    ),
    field("recipient_org", "致函单位", "Recipient", { required: true, maxlength: 200, value: letter?.recipient_org }),
    h("h3", "函件内容 ", h("small", "Content")),
    field("client_name", "委托人", "Client", { required: true, maxlength: 200, value: content.client_name }),
    field("matter", "委托事项", "Matter", { required: true, maxlength: 500, value: content.matter }),
    h(
      "div.field",
      h("span.lbl", "承办律师 ", h("i.req", "*"), h("small", "Lawyers (licence no. 17 digits)")),
      lawyers,
      h(
        "button.small",
        { type: "button", onclick: () => lawyers.children.length < 10 && lawyers.append(lawyerRow()) },
        "＋ 添加律师 Add lawyer",
      ),
    ),
    field("body", "正文", "Body", { type: "textarea", required: true, rows: 8, maxlength: 20000, value: content.body }),
    deliverySlot,
    h(
      "div.actions",
      h("a.button", { href: letter ? `#/letters/${letter.id}` : "#/letters" }, "取消 Cancel"),
      h("button", { type: "submit", value: "save" }, "保存草稿 Save draft"),
      h("button.primary", { type: "submit", value: "submit" }, "保存并提交 Save & submit"),
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
          toast("已提交，等待审批 Submitted for approval");
        } catch (exc) {
          toast(`已保存草稿，但提交失败：${exc.message}`, "error");
        }
      } else toast("草稿已保存 Draft saved");
      go(`letters/${saved.id}`);
    });
  };
  return form;
}

export async function create(params, me) {
  const form = await letterForm(null, params.query.get("kind"), me);
  return h("section", h("div.page-head", h("h2", "新建函件申请 ", h("small", "New letter"))), form);
}

export async function edit({ id }, me) {
  const letter = await get(`/api/letters/letters/${id}`);
  if (!EDITABLE.has(letter.status)) return errorBox(new Error("此函件当前不能修改 This letter cannot be edited now"));
  return h(
    "section",
    h("div.page-head", h("h2", "修改函件 ", h("small", "Edit letter"))),
    await letterForm(letter, null, me),
  );
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
  const note = h(
    "p.muted.small",
    { hidden: true },
    "下图为审批稿（不含电子印章）；盖章件请打开或下载 PDF。 The images show the approved text; the seal is in the PDF.",
  );
  const section = h(
    "section.card",
    h(
      "div.section-head",
      l.sealed ? h("h3", "盖章函件 ", h("small", "Sealed letter")) : h("h3", "函件内容预览 ", h("small", "Preview")),
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
          l.sealed ? "打开盖章 PDF Open sealed PDF" : "打开 PDF Open PDF",
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
              "下载盖章函件 Sealed PDF",
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
      if (!count) return fill(pages, h("p.muted", "暂无页面图片 No page images"));
      const imgs = [];
      for (let n = 1; n <= count; n++) {
        imgs.push(
          h("img.letter-page", { src: await blobUrl(url(n)), alt: `第 ${n} 页，共 ${count} 页 Page ${n} of ${count}` }),
        );
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
    "分享函件 Share",
    h(
      "div.invite",
      h("img.qr", { src: qr, alt: "分享二维码 Share QR" }),
      h(
        "p",
        "将链接或二维码通过微信等发送给收函方，对方无需登录即可查看盖章函件。",
        h("br"),
        h("small.muted", "Send the link or QR code to the recipient; no account needed."),
      ),
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
                toast("链接已复制 Copied");
              } catch {
                link.select();
              }
            },
          },
          "复制 Copy",
        ),
      ),
      h("p.muted", `有效期至 Expires ${fmtTime(created.expires_at)}`),
      h("div.actions", h("a.button", { href: qr, download: `share-${l.number || l.id}.png` }, "保存二维码 Save QR")),
    ),
  );
  reload();
}

function sharesSection(l) {
  const box = h("div", loading());
  get(`/api/letters/letters/${l.id}/shares`)
    .then((res) => {
      if (!res.data.length) return fill(box, h("p.muted", "尚未分享 Not shared yet"));
      fill(
        box,
        h(
          "table.list",
          h(
            "thead",
            h(
              "tr",
              ["创建 Created", "有效期至 Expires", "状态 State", ""].map((t) => h("th", t)),
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
                h("td", { active: "有效", expired: "已过期", revoked: "已撤销" }[s.state] || s.state),
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
                              : h("span.muted", "尚无人打开 Not opened yet"),
                          );
                          openRow.hidden = !openRow.hidden;
                        }),
                    },
                    "查看记录 Opens",
                  ),
                  s.state === "active"
                    ? h(
                        "button.small.danger",
                        {
                          type: "button",
                          onclick: (e) =>
                            busy(e.target, async () => {
                              await api("DELETE", `/api/letters/letters/${l.id}/shares/${s.id}`);
                              toast("已撤销 Revoked");
                              reload();
                            }),
                        },
                        "撤销 Revoke",
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
      h("h3", "分享记录 ", h("small", "Share links")),
      h("button.primary", { type: "button", onclick: (e) => busy(e.target, () => shareDialog(l)) }, "分享 Share"),
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
    steps.map((s, i) => h(`li${at >= 0 && i <= at ? ".done" : ""}${i === at ? ".current" : ""}`, LETTER_STATUS[s][0])),
  );
}

// statuses in which the letter waits on someone else: approval, or the firm's seal
const WAITING = new Set(["submitted", "approved"]);

export async function detail({ id }, me) {
  const [l, types] = await Promise.all([get(`/api/letters/letters/${id}`), letterTypes().catch(() => [])]);
  const type = types.find((t) => t.code === l.letter_type);
  const owner = l.owner_id === me.id && me.roles.includes("lawyer");
  const staff = me.roles.includes("letter_admin") || me.roles.includes("admin");
  const actions = h("div.actions");
  if (owner && EDITABLE.has(l.status)) {
    actions.append(h("a.button", { href: `#/letters/${l.id}/edit` }, "修改 Edit"));
    actions.append(
      h(
        "button.primary",
        {
          type: "button",
          onclick: (e) =>
            busy(e.target, async () => {
              await post(`/api/letters/letters/${l.id}/submit`);
              toast("已提交，等待审批 Submitted");
              reload();
            }),
        },
        "提交 Submit",
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
            if (await confirmDialog("撤回此函件申请？ Withdraw this letter?", "撤回 Withdraw"))
              busy(e.target, async () => {
                await post(`/api/letters/letters/${l.id}/withdraw`);
                toast("已撤回 Withdrawn");
                reload();
              });
          },
        },
        "撤回 Withdraw",
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
        h("a.back", { href: back }, "← 返回 Back"),
        h(
          "h2",
          KIND[l.kind],
          " ",
          l.number ? h("span.mono", l.number) : h("span.muted", "（审批后编号）"),
          " ",
          badge(LETTER_STATUS, l.status),
        ),
      ),
      actions,
    ),
    l.rejection_reason && l.status === "rejected"
      ? h("div.alert.error", h("b", "驳回理由 Rejected: "), l.rejection_reason)
      : null,
    l.seal_error ? h("div.alert.warn", h("b", "盖章失败 Sealing failed: "), l.seal_error) : null,
    l.status === "approved" && l.kind === "electronic"
      ? h("div.alert.info", "已批准，正在加盖电子印章… Approved; sealing in progress")
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
            h("dt", "案件流水号 Case no."),
            h("dd.mono", l.case_serial_no),
            h("dt", "案由 Cause"),
            h("dd", l.cause_of_action),
            h("dt", "函件类型 Type"),
            h("dd", type ? `${type.name_zh}（${type.code}）` : l.letter_type),
            h("dt", "致函单位 Recipient"),
            h("dd", l.recipient_org),
            h("dt", "出函日期 Date"),
            h("dd", l.letter_date, l.past_date_allowed ? h("small.muted", "（已允许过去日期）") : ""),
            h("dt", "委托人 Client"),
            h("dd", l.client_name || "—"),
            h("dt", "委托事项 Matter"),
            h("dd", l.matter || "—"),
            h("dt", "承办律师 Lawyers"),
            h(
              "dd",
              (l.lawyers || []).map((x) => h("div", `${x.name} `, h("small.mono.muted", x.licence_no))),
            ),
            h("dt", "申请人 Applicant"),
            h("dd", l.owner_name),
            l.kind === "paper" ? [h("dt", "领取方式 Delivery"), h("dd", DELIVERY[l.delivery] || "未选择 —")] : null,
            l.mail_address ? [h("dt", "邮寄地址 Address"), h("dd", addressLine(l.mail_address))] : null,
            l.courier || l.tracking_no
              ? [h("dt", "快递 Courier"), h("dd", `${l.courier || ""} ${l.tracking_no || ""}`)]
              : null,
            l.verify_url
              ? [
                  h("dt", "验证 Verify"),
                  h(
                    "dd",
                    h("a", { href: l.verify_url, target: "_blank", rel: "noopener" }, l.verify_code || l.verify_url),
                  ),
                ]
              : null,
            h("dt", "提交 Submitted"),
            h("dd", fmtTime(l.submitted_at)),
            h("dt", "审批 Decided"),
            h("dd", fmtTime(l.decided_at)),
          ),
        ),
        owner && l.sealed ? sharesSection(l) : null,
      ),
      h("div", previewSection(l)),
    ),
  );
}
