// The letter administrator: approval queue, decisions and the paper letter's steps.

import { get, post } from "./api.js";
import { t } from "./i18n.js";
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
                if (!(await confirmDialog(t("ladmin.past_date", { date: l.letter_date }), t("ladmin.approve")))) return;
                await post(`/api/letters/letters/${l.id}/approve`, { allow_past_letter_date: true });
              }
              toast(t("ladmin.approved"));
              reload();
            }),
        },
        t("ladmin.approve"),
      ),
    );
    out.push(
      h(
        "button.danger",
        {
          type: "button",
          onclick: async (e) => {
            const v = await promptDialog(t("ladmin.reject"), [
              field("reason", t("ladmin.reason"), { type: "textarea", required: true, maxlength: 2000 }),
            ]);
            if (v)
              busy(e.target, async () => {
                await post(`/api/letters/letters/${l.id}/reject`, { reason: v.reason || "" });
                toast(t("ladmin.rejected"));
                reload();
              });
          },
        },
        t("ladmin.reject_2"),
      ),
    );
  }
  if (l.kind === "paper") {
    if (l.status === "approved") out.push(step("printed", t("ladmin.printed")));
    if (l.status === "printed" && l.delivery === "mail") {
      out.push(
        h(
          "button.primary",
          {
            type: "button",
            onclick: async (e) => {
              const v = await promptDialog(t("ladmin.mailed"), [
                field("courier", t("ladmin.courier"), { required: true, maxlength: 64 }),
                field("tracking_no", t("ladmin.tracking_no"), { required: true, maxlength: 64 }),
              ]);
              if (v)
                busy(e.target, async () => {
                  await post(`/api/letters/letters/${l.id}/mailed`, {
                    courier: v.courier || "",
                    tracking_no: v.tracking_no || "",
                  });
                  toast(t("ladmin.mailed_2"));
                  reload();
                });
            },
          },
          t("ladmin.mailed_3"),
        ),
      );
    }
    if (l.status === "printed" && l.delivery === "pickup")
      out.push(step("ready-for-pickup", t("ladmin.ready_for_pick_up")));
    if (l.status === "mailed") out.push(step("received", t("ladmin.received")));
    if (l.status === "ready_for_pickup") out.push(step("picked-up", t("ladmin.picked_up")));
  }
  return out;
}

export async function queue(params) {
  const tab = params.query.get("tab") || "queue";
  const tabs = h(
    "nav.tabs",
    [
      ["queue", t("ladmin.to_approve")],
      ["paper", t("ladmin.paper_letters")],
      ["all", t("ladmin.all_letters")],
    ].map(([k, text]) => h(`a${k === tab ? ".active" : ""}`, { href: `#/letter-queue?tab=${k}` }, text)),
  );
  const head = [
    t("ladmin.no"),
    t("ladmin.recipient"),
    t("ladmin.case"),
    t("ladmin.lawyer"),
    t("ladmin.date"),
    t("contract.status"),
    t("contract.updated"),
  ];
  const load = (cursor) => {
    const c = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    if (tab === "queue") return get(`/api/letters/queue?limit=30${c}`);
    if (tab === "paper") return get(`/api/letters/letters?scope=all&kind=paper&limit=30${c}`);
    return get(`/api/letters/letters?scope=all&limit=30${c}`);
  };
  return h(
    "section",
    h("div.page-head", h("h2", t("ladmin.letter_administration"))),
    tabs,
    pagedTable(
      head,
      load,
      (l) => letterRow(l, true),
      tab === "queue" ? t("ladmin.nothing_to_approve") : t("ladmin.no_letters"),
    ),
  );
}
