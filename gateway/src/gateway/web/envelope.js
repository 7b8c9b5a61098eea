// The signing envelope of a contract: signers' progress, "邀请签章" QR codes, downloads.

import { blobUrl, download, get, post } from "./api.js";
import { t } from "./i18n.js";
import {
  badge,
  busy,
  CONTRACT_STATUS,
  ENVELOPE_STATUS,
  fmtTime,
  h,
  modal,
  SIGNER_KIND,
  SIGNER_STATUS,
  toast,
} from "./ui.js";

/** Return a contract's envelope (the open one, else the newest) with its signers, or null. */
export async function envelopeOf(contractId) {
  const res = await get(`/api/signing/envelopes?contract_id=${encodeURIComponent(contractId)}`);
  return res.data.find((e) => e.status === "prepared") || res.data[0] || null;
}

async function invite(button, env, signer) {
  await busy(button, async () => {
    const inv = await post(`/api/signing/envelopes/${env.id}/invitations`, { signer_id: signer.signer_id });
    const img = h("img.qr", { alt: t("env.invitation_qr_code") });
    const link = h("input.link", { value: inv.url, readonly: true, onclick: (e) => e.target.select() });
    const copy = h("button", { type: "button" }, t("env.copy_link"));
    copy.onclick = async () => {
      try {
        await navigator.clipboard.writeText(inv.url);
        toast(t("env.copied"));
      } catch {
        link.select();
        document.execCommand?.("copy");
      }
    };
    const saveQr = h("a.button", { download: `invite-${signer.name}.png` }, t("env.save_qr"));
    modal(
      t("env.invite_title", { name: signer.name }),
      h(
        "div.invite",
        img,
        h("p", t("env.send_this_qr_code_to")),
        h("div.copyline", link, copy),
        h("p.muted", t("env.link_expires_at", { at: fmtTime(inv.expires_at) })),
        h("div.actions", saveQr, h("a.button", { href: inv.url, target: "_blank", rel: "noopener" }, t("env.open"))),
      ),
    );
    try {
      const url = await blobUrl(`/api/signing/envelopes/${env.id}/invitations/${inv.invitation_id}/qr.png`);
      img.src = url;
      saveQr.href = url;
    } catch (exc) {
      img.replaceWith(h("p.alert.error", t("env.qr_failed", { error: exc.message })));
    }
  });
}

/** Each pending signer's live link (expiry, reminders), by signer id; {} when not visible. */
async function liveLinks(env) {
  try {
    const res = await get(`/api/signing/envelopes/${env.id}/invitations`);
    return Object.fromEntries(res.data.map((i) => [i.signer_id, i]));
  } catch {
    return {};
  }
}

/** 提醒签署: re-sends the same link by SMS; disabled, with the reason, while too soon. */
function remindButton(env, link) {
  const wait = link.next_reminder_at ? new Date(link.next_reminder_at) - Date.now() : 0;
  const label = link.reminders ? t("env.remind_n", { n: link.reminders }) : t("env.remind");
  const button = h("button.small", { type: "button" }, label);
  const why = h("small.muted.why");
  if (wait > 0) {
    button.disabled = true;
    why.textContent = t("env.remind_wait", {
      last: fmtTime(link.last_reminded_at),
      next: fmtTime(link.next_reminder_at),
    });
    button.title = why.textContent.trim();
  }
  button.onclick = () =>
    busy(button, async () => {
      const r = await post(`/api/signing/envelopes/${env.id}/invitations/${link.invitation_id}/remind`, {});
      toast(t("env.reminder_sent"));
      Object.assign(link, r);
      button.replaceWith(remindButton(env, link));
    });
  return h("span", button, why);
}

export async function envelopeSection(c, me, owner) {
  let env;
  try {
    env = await envelopeOf(c.id);
  } catch (exc) {
    if (exc.status === 404 || exc.status === 403) env = null;
    else throw exc;
  }
  if (!env) {
    return h("p.muted", c.status === "approved" ? t("env.the_signing_envelope_is_being") : t("env.no_envelope"));
  }
  const open = env.status === "prepared";
  const links = open ? await liveLinks(env) : {};
  const rows = env.signers.map((s) => {
    const canInvite = owner && open && s.kind !== "firm" && s.status !== "signed";
    const link = links[s.signer_id];
    return h(
      "tr",
      h("td", s.position + 1),
      h("td", s.name),
      h("td", SIGNER_KIND[s.kind] || s.kind),
      h("td", badge(SIGNER_STATUS, s.status), s.sandbox ? h("small.muted", t("env.sandbox")) : null),
      h("td", s.signed_at ? fmtTime(s.signed_at) : "—"),
      h(
        "td",
        s.kind === "firm" || s.status === "signed"
          ? "—"
          : link
            ? fmtTime(link.expires_at)
            : h("span.muted", t("env.not_invited")),
      ),
      h(
        "td.actions-cell",
        canInvite
          ? h(
              "button.small.primary",
              { type: "button", onclick: (e) => invite(e.target, env, s) },
              link ? t("env.re_invite") : t("env.invite"),
            )
          : null,
        canInvite && link ? remindButton(env, link) : null,
      ),
    );
  });
  const downloads = h("div.actions.left");
  if (c.has_signed_document) {
    downloads.append(
      h(
        "button",
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
  if (env.status === "completed") {
    downloads.append(
      h(
        "button",
        {
          type: "button",
          onclick: (e) =>
            busy(e.target, () => download(`/api/signing/envelopes/${env.id}/evidence.zip`, `evidence-${env.id}.zip`)),
        },
        t("env.evidence_zip"),
      ),
    );
  }
  if (me.roles.includes("risk_control") && c.status === "counterparty_signed") {
    downloads.append(h("a.button.primary", { href: `#/firm-sign/${c.id}` }, t("contract.firm_seal")));
  }
  return h(
    "div",
    // while it is open the block shows the contract's own status, as the page header does
    h(
      "p",
      t("env.signing_status"),
      open ? badge(CONTRACT_STATUS, c.status) : badge(ENVELOPE_STATUS, env.status),
      h("span.muted", t("env.deadline_and_code", { at: fmtTime(env.expires_at) })),
      h("a.mono", { href: `/verify/${env.verify_code}`, target: "_blank" }, env.verify_code),
      env.ended_reason ? h("span.muted", ` · ${env.ended_reason}`) : null,
    ),
    h("p.muted.small", t("env.the_counterparties_sign_first_the")),
    h(
      "div.table-wrap",
      h(
        "table.list",
        h(
          "thead",
          h(
            "tr",
            [
              t("env.order"),
              t("env.signer"),
              t("contract.kind"),
              t("contract.status"),
              t("env.signed"),
              t("env.link_expires"),
              "",
            ].map((text) => h("th", text)),
          ),
        ),
        h("tbody", rows),
      ),
    ),
    downloads,
  );
}
