import type { FitViewOptions } from "@xyflow/react";

/** The side panel's width (builder.css reads it as --jb-panel-width). */
export const PANEL_WIDTH = 360;
/** Room kept between the journey and the canvas's edges when it is fitted or moved into view. */
const MARGIN = 40;

/** Fitting the journey in view: within the part of the canvas the side panel leaves free,
 * `covered` pixels of its right-hand side being under the panel. */
export function fitOptions(covered: number): Pick<FitViewOptions, "padding" | "maxZoom"> {
  return { padding: { top: `${MARGIN}px`, bottom: `${MARGIN}px`, left: `${MARGIN}px`, right: `${covered + MARGIN}px` }, maxZoom: 1 };
}

/** The zoom at which the nodes' bounds fit the free part of a canvas `width` × `height`. */
export function fittingZoom(bounds: { width: number; height: number }, width: number, height: number, covered: number): number {
  return Math.min((width - covered - 2 * MARGIN) / bounds.width, (height - 2 * MARGIN) / bounds.height);
}

type Box = { x: number; y: number; width: number; height: number };

/** How far to move the view (added to the viewport's x and y) so that `box`, in pixels of
 * the canvas, shows whole within its free part, `free` wide and high from its top-left:
 * the least move, and the box's top-left first when it is larger than that part. */
export function shiftToShow(box: Box, free: { width: number; height: number }): { x: number; y: number } {
  return { x: shiftAlong(box.x, box.width, free.width), y: shiftAlong(box.y, box.height, free.height) };
}

const EDGE = 16;

function shiftAlong(start: number, size: number, room: number): number {
  if (start < EDGE) return EDGE - start;
  const overrun = start + size - (room - EDGE);
  return overrun > 0 ? Math.max(-overrun, EDGE - start) : 0;
}
