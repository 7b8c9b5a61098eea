// Page geometry as the signing API reports it (envelope detail `pages[]`). Placement coordinates
// are PDF points on the page as a viewer shows it — its visible box (CropBox) turned by /Rotate,
// exactly what the page image shows — with the origin at the bottom-left corner and y upwards:
// the frame of each page's box and qr_box and of the seal placement the API accepts. The server
// maps them into the PDF's own user space, so the client only scales and flips y.

/** Return a placement box {x, y, width, height} as fractions of the page image {left, top, width, height}. */
export function toImage(page, box) {
  return {
    left: box.x / page.width,
    top: 1 - (box.y + box.height) / page.height,
    width: box.width / page.width,
    height: box.height / page.height,
  };
}

/** Return the placement {page (0-based), x, y, width, height} of a rectangle given as fractions of the page image. */
export function toPlacement(page, rect) {
  return {
    page: page.number - 1,
    // the rectangle is kept on the image; rounding must not push a corner below 0
    x: Math.max(0, rect.left * page.width),
    y: Math.max(0, (1 - rect.top - rect.height) * page.height),
    width: rect.width * page.width,
    height: rect.height * page.height,
  };
}
