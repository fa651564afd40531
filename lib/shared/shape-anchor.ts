/**
 * One object of each shape the hot path creates and drops on every dispatch, kept for the
 * process's life.
 *
 * V8 holds the hidden classes an object's properties were added through only weakly, and
 * optimised code holds the hidden classes it checks weakly too. A full GC that finds no object
 * of such a class alive — a quiet moment between requests — collects the class, and every
 * optimised function that checked it is deoptimised: the dispatches after it run unoptimised
 * until V8 has optimised that code again. An object kept here holds the class, and the code.
 */
const anchors: object[] = [];

/** Keeps `instance` (and so its hidden class) alive; returns it. */
export function anchorShape<T extends object>(instance: T): T {
  anchors.push(instance);
  return instance;
}
