// Dragging a seal onto a page image, with pointer events (mouse, pen, touch): the one module the
// firm's seal screen (the staff client, gateway web/firmsign.js) and the signer's page (sign.js)
// both use. Rectangles are fractions {left, top, width, height} of the page image; the page is
// the API's page geometry (`pages[]`), so the QR no-drop zone is the API's `qr_box`, never a copy.

import { toImage } from "./pagegeom.js";

export const clamp = (v, lo, hi) => Math.min(Math.max(v, lo), hi);

/** Tell whether two rectangles (fractions of the page image) share any area. */
export function overlaps(a, b) {
  return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
}

/** Return the page's QR no-drop zone (the API's qr_box) as fractions of its image. */
export function qrZone(page) {
  return toImage(page, page.qr_box);
}

/**
 * Return where a seal dragged by the pointer would land on a page image.
 *
 * `rect` is the image's on-screen rectangle {left, top, width, height}, `point` the pointer
 * {x, y}, `grab` where the seal is held {x, y} and `size` its on-page size {width, height},
 * all in CSS pixels. The seal is kept on the image; `inside` tells whether the pointer is over
 * it, `onQr` whether the seal would cover the page's QR code.
 */
export function landing(page, rect, point, grab, size) {
  const width = size.width / rect.width,
    height = size.height / rect.height;
  const place = {
    left: clamp((point.x - grab.x - rect.left) / rect.width, 0, 1 - width),
    top: clamp((point.y - grab.y - rect.top) / rect.height, 0, 1 - height),
    width,
    height,
  };
  const inside =
    point.x >= rect.left &&
    point.x <= rect.left + rect.width &&
    point.y >= rect.top &&
    point.y <= rect.top + rect.height;
  return { inside, place, onQr: overlaps(place, qrZone(page)) };
}

/**
 * Let `handles` (seal images) be dragged onto a page.
 *
 * - `target()` returns {image, page}: the element the seal lands on and its API geometry, or null
 *   while there is no page to drop on;
 * - `size(imageRect)` returns the seal's on-page size in pixels;
 * - with `ghost` (a URL), a copy of the seal follows the pointer (dragging from a tray); without,
 *   the handle itself is moved through `onMove`;
 * - `onMove(landing)` while dragging, `onDrop(landing)` when let go, `onCancel()` when the drag is
 *   cancelled (landing as `landing` returns it).
 */
export function wireSealDrag(handles, { target, size, ghost = null, onMove = () => {}, onDrop = () => {}, onCancel }) {
  let drag = null;
  const at = (e) => {
    const r = drag.image.getBoundingClientRect();
    return landing(drag.page, r, { x: e.clientX, y: e.clientY }, drag.grab, drag.size);
  };
  const start = (e, handle) => {
    const where = target();
    if (!where) return;
    e.preventDefault();
    const r = handle.getBoundingClientRect();
    const s = size(where.image.getBoundingClientRect());
    // the grab point relative to the seal, scaled to its on-page size
    const grab = { x: ((e.clientX - r.left) / r.width) * s.width, y: ((e.clientY - r.top) / r.height) * s.height };
    let copy = null;
    if (ghost) {
      copy = document.createElement("img");
      copy.className = "seal ghost";
      copy.src = ghost;
      copy.alt = "";
      copy.draggable = false;
      Object.assign(copy.style, { width: `${s.width}px`, height: `${s.height}px` });
      document.body.append(copy);
    }
    drag = { ...where, grab, size: s, pointer: e.pointerId, handle, copy };
    handle.setPointerCapture(e.pointerId);
    handle.classList.add("dragging");
    move(e);
  };
  const move = (e) => {
    if (!drag || e.pointerId !== drag.pointer) return;
    if (drag.copy) {
      drag.copy.style.left = `${e.clientX - drag.grab.x}px`;
      drag.copy.style.top = `${e.clientY - drag.grab.y}px`;
    }
    const l = at(e);
    drag.copy?.classList.toggle("bad", l.inside && l.onQr);
    onMove(l);
  };
  const finish = () => {
    drag.copy?.remove();
    drag.handle.classList.remove("dragging");
    drag = null;
  };
  const end = (e) => {
    if (!drag || e.pointerId !== drag.pointer) return;
    const l = at(e);
    finish();
    onDrop(l);
  };
  const cancel = () => {
    if (!drag) return;
    finish();
    onCancel?.();
  };
  for (const handle of handles) {
    handle.addEventListener("pointerdown", (e) => start(e, handle));
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", end);
    handle.addEventListener("pointercancel", cancel);
  }
}
