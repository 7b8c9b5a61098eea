// The signing envelope of a contract: signers' progress, "邀请签章" QR codes, downloads.

import { blobUrl, download, get, post } from "./api.js";
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
    const img = h("img.qr", { alt: "签章邀请二维码 Invitation QR code" });
    const link = h("input.link", { value: inv.url, readonly: true, onclick: (e) => e.target.select() });
    const copy = h("button", { type: "button" }, "复制链接 Copy link");
    copy.onclick = async () => {
      try {
        await navigator.clipboard.writeText(inv.url);
        toast("链接已复制 Copied");
      } catch {
        link.select();
        document.execCommand?.("copy");
      }
    };
    const saveQr = h("a.button", { download: `invite-${signer.name}.png` }, "保存二维码 Save QR");
    modal(
      `邀请签章 · ${signer.name}`,
      h(
        "div.invite",
        img,
        h(
          "p",
          "请将此二维码发送给签署方，对方扫码后完成身份验证并签章。新的邀请会使该签署方之前的链接作废。",
          h("br"),
          h("small.muted", "Send this QR code to the signer; a new invitation voids the previous one."),
        ),
        h("div.copyline", link, copy),
        h("p.muted", `链接有效期至 Link expires ${fmtTime(inv.expires_at)}（不晚于签署截止 never after the deadline）`),
        h(
          "div.actions",
          saveQr,
          h("a.button", { href: inv.url, target: "_blank", rel: "noopener" }, "打开签署页 Open"),
        ),
      ),
    );
    try {
      const url = await blobUrl(`/api/signing/envelopes/${env.id}/invitations/${inv.invitation_id}/qr.png`);
      img.src = url;
      saveQr.href = url;
    } catch (exc) {
      img.replaceWith(h("p.alert.error", `二维码加载失败 QR failed: ${exc.message}`));
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
  const label = link.reminders ? `提醒签署 Remind (${link.reminders})` : "提醒签署 Remind";
  const button = h("button.small", { type: "button" }, label);
  const why = h("small.muted.why");
  if (wait > 0) {
    button.disabled = true;
    why.textContent = ` 已于 ${fmtTime(link.last_reminded_at)} 提醒，${fmtTime(link.next_reminder_at)} 后可再次提醒`;
    button.title = why.textContent.trim();
  }
  button.onclick = () =>
    busy(button, async () => {
      const r = await post(`/api/signing/envelopes/${env.id}/invitations/${link.invitation_id}/remind`, {});
      toast(`已通过短信再次发送签署链接（链接不变）Reminder sent`);
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
    return h(
      "p.muted",
      c.status === "approved"
        ? "签署文件准备中，请稍候刷新… The signing envelope is being prepared"
        : "暂无签署信息 No envelope",
    );
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
      h("td", badge(SIGNER_STATUS, s.status), s.sandbox ? h("small.muted", " 沙箱") : null),
      h("td", s.signed_at ? fmtTime(s.signed_at) : "—"),
      h(
        "td",
        s.kind === "firm" || s.status === "signed" ? "—" : link ? fmtTime(link.expires_at) : h("span.muted", "未邀请"),
      ),
      h(
        "td.actions-cell",
        canInvite
          ? h(
              "button.small.primary",
              { type: "button", onclick: (e) => invite(e.target, env, s) },
              link ? "重新邀请 Re-invite" : "邀请签章 Invite",
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
            busy(e.target, () => download(`/api/contract/contracts/${c.id}/signed-document`, `${c.title}-已签署.pdf`)),
        },
        "下载已签署合同 Signed PDF",
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
        "下载证据包 Evidence (.zip)",
      ),
    );
  }
  if (me.roles.includes("risk_control") && c.status === "counterparty_signed") {
    downloads.append(h("a.button.primary", { href: `#/firm-sign/${c.id}` }, "律所签章 Firm seal"));
  }
  return h(
    "div",
    // while it is open the block shows the contract's own status, as the page header does
    h(
      "p",
      "签署状态 ",
      open ? badge(CONTRACT_STATUS, c.status) : badge(ENVELOPE_STATUS, env.status),
      h("span.muted", ` · 签署截止 Deadline ${fmtTime(env.expires_at)} · 验签码 `),
      h("a.mono", { href: `/verify/${env.verify_code}`, target: "_blank" }, env.verify_code),
      env.ended_reason ? h("span.muted", ` · ${env.ended_reason}`) : null,
    ),
    h("p.muted.small", "签署顺序：对方签署方先签，律所最后签章。The counterparties sign first, the firm last."),
    h(
      "div.table-wrap",
      h(
        "table.list",
        h(
          "thead",
          h(
            "tr",
            [
              "顺序 #",
              "签署方 Signer",
              "类型 Kind",
              "状态 Status",
              "签章时间 Signed",
              "链接有效期至 Link expires",
              "",
            ].map((t) => h("th", t)),
          ),
        ),
        h("tbody", rows),
      ),
    ),
    downloads,
  );
}
