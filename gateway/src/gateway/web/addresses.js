// The lawyer's mailing address book (paper letters are mailed only to the applicant).

import { api, get, patch, post } from "./api.js";
import { busy, confirmDialog, field, h, markInvalid, modal, readForm, reload, toast } from "./ui.js";

function addressForm(a = {}, me = null) {
  // the book holds the lawyer's own addresses: the recipient is the lawyer, by name
  return [
    h(
      "div.row",
      field("name", "收件人（本人）", "Recipient: you", {
        required: true,
        maxlength: 64,
        value: a.name || me?.display_name,
        readonly: !!me?.display_name,
        hint: "纸质所函只邮寄给申请律师本人 Mail goes only to you",
      }),
      field("phone", "联系电话", "Phone", {
        required: true,
        maxlength: 32,
        pattern: "[0-9+\\- ]{5,32}",
        value: a.phone,
      }),
    ),
    h(
      "div.row",
      field("province", "省", "Province", { required: true, maxlength: 32, value: a.province }),
      field("city", "市", "City", { required: true, maxlength: 32, value: a.city }),
      field("district", "区/县", "District", { required: true, maxlength: 32, value: a.district }),
    ),
    field("street", "详细地址", "Street", { required: true, maxlength: 200, value: a.street }),
    h(
      "label.inline",
      h("input", { type: "checkbox", name: "is_default", checked: !!a.is_default }),
      " 设为默认地址 Default",
    ),
  ];
}

function addressDialog(a, me) {
  const form = h(
    "form.stack",
    addressForm(a, me),
    h("div.actions", h("button.primary", { type: "submit" }, "保存 Save")),
  );
  const m = modal(a ? "修改地址 Edit address" : "新增地址 New address", form);
  form.onsubmit = (e) => {
    e.preventDefault();
    busy(form.querySelector("button"), async () => {
      const v = readForm(form);
      try {
        if (a) await patch(`/api/letters/addresses/${a.id}`, v);
        else await post("/api/letters/addresses", v);
      } catch (exc) {
        markInvalid(form, exc);
        throw exc;
      }
      m.close();
      toast("地址已保存 Saved");
      reload();
    });
  };
}

export async function addresses(_params, me) {
  const res = await get("/api/letters/addresses");
  return h(
    "section",
    h(
      "div.page-head",
      h("h2", "邮寄地址簿 ", h("small", "Address book")),
      h("button.primary", { type: "button", onclick: () => addressDialog(undefined, me) }, "＋ 新增 New"),
    ),
    h(
      "p.alert.info",
      "纸质所函仅可邮寄给申请律师本人：这里只保存您本人的收件地址，不要保存致函单位的地址。 " +
        "Paper letters are mailed only to the applying lawyer: keep only your own addresses here.",
    ),
    res.data.length
      ? h(
          "ul.cards",
          res.data.map((a) =>
            h(
              "li.card",
              h("div", h("b", a.name), " ", a.phone, " ", a.is_default ? h("span.badge.green", "默认 Default") : null),
              h("div", `${a.province} ${a.city} ${a.district} ${a.street}`),
              h(
                "div.actions.left",
                h("button.small", { type: "button", onclick: () => addressDialog(a, me) }, "修改 Edit"),
                a.is_default
                  ? null
                  : h(
                      "button.small",
                      {
                        type: "button",
                        onclick: (e) =>
                          busy(e.target, async () => {
                            await patch(`/api/letters/addresses/${a.id}`, { is_default: true });
                            reload();
                          }),
                      },
                      "设为默认 Make default",
                    ),
                h(
                  "button.small.danger",
                  {
                    type: "button",
                    onclick: async (e) => {
                      if (await confirmDialog("删除此地址？ Delete this address?", "删除 Delete"))
                        busy(e.target, async () => {
                          await api("DELETE", `/api/letters/addresses/${a.id}`);
                          reload();
                        });
                    },
                  },
                  "删除 Delete",
                ),
              ),
            ),
          ),
        )
      : h("p.card.muted", "地址簿为空 No addresses"),
  );
}
