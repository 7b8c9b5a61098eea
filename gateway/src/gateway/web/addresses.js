// The lawyer's mailing address book (paper letters are mailed only to the applicant).

import { api, get, patch, post } from "./api.js";
import { t } from "./i18n.js";
import { busy, confirmDialog, field, h, markInvalid, modal, readForm, reload, toast } from "./ui.js";

function addressForm(a = {}, me = null) {
  // the book holds the lawyer's own addresses: the recipient is the lawyer, by name
  return [
    h(
      "div.row",
      field("name", t("addr.recipient_you"), {
        required: true,
        maxlength: 64,
        value: a.name || me?.display_name,
        readonly: !!me?.display_name,
        hint: t("addr.mail_goes_only_to_you"),
      }),
      field("phone", t("addr.phone"), {
        required: true,
        maxlength: 32,
        pattern: "[0-9+\\- ]{5,32}",
        value: a.phone,
      }),
    ),
    h(
      "div.row",
      field("province", t("addr.province"), { required: true, maxlength: 32, value: a.province }),
      field("city", t("addr.city"), { required: true, maxlength: 32, value: a.city }),
      field("district", t("addr.district"), { required: true, maxlength: 32, value: a.district }),
    ),
    field("street", t("addr.street"), { required: true, maxlength: 200, value: a.street }),
    h("label.inline", h("input", { type: "checkbox", name: "is_default", checked: !!a.is_default }), t("addr.default")),
  ];
}

function addressDialog(a, me) {
  const form = h(
    "form.stack",
    addressForm(a, me),
    h("div.actions", h("button.primary", { type: "submit" }, t("addr.save"))),
  );
  const m = modal(a ? t("addr.edit_address") : t("addr.new_address"), form);
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
      toast(t("addr.saved"));
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
      h("h2", t("addr.address_book")),
      h("button.primary", { type: "button", onclick: () => addressDialog(undefined, me) }, t("addr.new")),
    ),
    h("p.alert.info", t("addr.paper_letters_are_mailed_only")),
    res.data.length
      ? h(
          "ul.cards",
          res.data.map((a) =>
            h(
              "li.card",
              h(
                "div",
                h("b", a.name),
                " ",
                a.phone,
                " ",
                a.is_default ? h("span.badge.green", t("addr.default_2")) : null,
              ),
              h("div", `${a.province} ${a.city} ${a.district} ${a.street}`),
              h(
                "div.actions.left",
                h("button.small", { type: "button", onclick: () => addressDialog(a, me) }, t("addr.edit")),
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
                      t("addr.make_default"),
                    ),
                h(
                  "button.small.danger",
                  {
                    type: "button",
                    onclick: async (e) => {
                      if (await confirmDialog(t("addr.delete_this_address"), t("addr.delete")))
                        busy(e.target, async () => {
                          await api("DELETE", `/api/letters/addresses/${a.id}`);
                          reload();
                        });
                    },
                  },
                  t("addr.delete"),
                ),
              ),
            ),
          ),
        )
      : h("p.card.muted", t("addr.no_addresses")),
  );
}
