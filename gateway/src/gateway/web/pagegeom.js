// Page geometry as the signing API reports it (envelope detail `pages[]`): map between the page
// image as shown and placement coordinates — PDF points in the page's user space before /Rotate,
// the frame of `page.box`, `page.qr_box` and of the seal placement the API accepts.

// user space point -> fractions of the page image (u rightwards, v downwards)
function toImagePoint(page, x, y) {
  const b = page.box;
  const s = (x - b.x) / b.width;
  const t = (y - b.y) / b.height;
  switch (page.rotate) {
    case 90: return [t, s];
    case 180: return [1 - s, t];
    case 270: return [1 - t, 1 - s];
    default: return [s, 1 - t];
  }
}

// fractions of the page image -> user space point
function toUserPoint(page, u, v) {
  const b = page.box;
  const at = (s, t) => [b.x + s * b.width, b.y + t * b.height];
  switch (page.rotate) {
    case 90: return at(v, u);
    case 180: return at(1 - u, v);
    case 270: return at(1 - v, 1 - u);
    default: return at(u, 1 - v);
  }
}

/** Return a placement box {x, y, width, height} as fractions of the page image {left, top, width, height}. */
export function toImage(page, box) {
  const [u1, v1] = toImagePoint(page, box.x, box.y);
  const [u2, v2] = toImagePoint(page, box.x + box.width, box.y + box.height);
  return { left: Math.min(u1, u2), top: Math.min(v1, v2), width: Math.abs(u2 - u1), height: Math.abs(v2 - v1) };
}

/** Return the placement {page (0-based), x, y, width, height} of a rectangle given as fractions of the page image. */
export function toPlacement(page, rect) {
  const [x1, y1] = toUserPoint(page, rect.left, rect.top);
  const [x2, y2] = toUserPoint(page, rect.left + rect.width, rect.top + rect.height);
  return { page: page.number - 1, x: Math.min(x1, x2), y: Math.min(y1, y2), width: Math.abs(x2 - x1), height: Math.abs(y2 - y1) };
}
