// The letter administrator: approval queue, decisions and the paper letter's steps.

import { get, post } from "./api.js";
import { letterRow } from "./letters.js";
import { busy, confirmDialog, field, h, pagedTable, promptDialog, reload, toast } from "./ui.js";

export function adminActions(l) {
  const out = [];
  const step = (path, label, body) =>
    h(
      "button.primary",
      {
        type: "button",
        onclick: (e) =>
          busy(e.target, async () => {
            await post(`/api/letters/letters/${l.id}/${path}`, body ? await body() : {});
            toast(`${label} ✓`);
            reload();
          }),
      },
      label,
    );
  if (l.status === "submitted") {
    out.push(
      h(
        "button.primary",
        {
          type: "button",
          onclick: (e) =>
            busy(e.target, async () => {
              try {
                await post(`/api/letters/letters/${l.id}/approve`, {});
              } catch (exc) {
                if (exc.code !== "letter_date_in_past") throw exc;
                if (
                  !(await confirmDialog(
                    `出函日期 ${l.letter_date} 早于今天。仍然批准？ The letter date is in the past — approve anyway?`,
                    "批准 Approve",
                  ))
                )
                  return;
                await post(`/api/letters/letters/${l.id}/approve`, { allow_past_letter_date: true });
              }
              toast("已批准 Approved");
              reload();
            }),
        },
        "批准 Approve",
      ),
    );
    out.push(
      h(
        "button.danger",
        {
          type: "button",
          onclick: async (e) => {
            const v = await promptDialog("驳回函件 Reject", [
              field("reason", "驳回理由", "Reason", { type: "textarea", required: true, maxlength: 2000 }),
            ]);
            if (v)
              busy(e.target, async () => {
                await post(`/api/letters/letters/${l.id}/reject`, { reason: v.reason || "" });
                toast("已驳回 Rejected");
                reload();
              });
          },
        },
        "驳回 Reject",
      ),
    );
  }
  if (l.kind === "paper") {
    if (l.status === "approved") out.push(step("printed", "已打印 Printed"));
    if (l.status === "printed" && l.delivery === "mail") {
      out.push(
        h(
          "button.primary",
          {
            type: "button",
            onclick: async (e) => {
              const v = await promptDialog("登记邮寄 Mailed", [
                field("courier", "快递公司", "Courier", { required: true, maxlength: 64 }),
                field("tracking_no", "快递单号", "Tracking no.", { required: true, maxlength: 64 }),
              ]);
              if (v)
                busy(e.target, async () => {
                  await post(`/api/letters/letters/${l.id}/mailed`, {
                    courier: v.courier || "",
                    tracking_no: v.tracking_no || "",
                  });
                  toast("已登记邮寄 Mailed");
                  reload();
                });
            },
          },
          "已邮寄 Mailed",
        ),
      );
    }
    if (l.status === "printed" && l.delivery === "pickup")
      out.push(step("ready-for-pickup", "可自取 Ready for pick-up"));
    if (l.status === "mailed") out.push(step("received", "已签收 Received"));
    if (l.status === "ready_for_pickup") out.push(step("picked-up", "已取走 Picked up"));
  }
  return out;
}

export async function queue(params) {
  const tab = params.query.get("tab") || "queue";
  const tabs = h(
    "nav.tabs",
    [
      ["queue", "待审批", "To approve"],
      ["paper", "纸质函件", "Paper letters"],
      ["all", "全部函件", "All letters"],
    ].map(([k, zh, en]) =>
      h(`a${k === tab ? ".active" : ""}`, { href: `#/letter-queue?tab=${k}` }, zh, h("small", en)),
    ),
  );
  const head = [
    "编号 No.",
    "致函单位 Recipient",
    "案件流水号 Case",
    "申请人 Lawyer",
    "出函日期 Date",
    "状态 Status",
    "更新 Updated",
  ];
  const load = (cursor) => {
    const c = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    if (tab === "queue") return get(`/api/letters/queue?limit=30${c}`);
    if (tab === "paper") return get(`/api/letters/letters?scope=all&kind=paper&limit=30${c}`);
    return get(`/api/letters/letters?scope=all&limit=30${c}`);
  };
  return h(
    "section",
    h("div.page-head", h("h2", "函件审批 ", h("small", "Letter administration"))),
    tabs,
    pagedTable(
      head,
      load,
      (l) => letterRow(l, true),
      tab === "queue" ? "没有待审批的函件 Nothing to approve" : "暂无函件 No letters",
    ),
  );
}
