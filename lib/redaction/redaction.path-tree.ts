/**
 * Dotted field paths compiled into a tree of lowercase segments, so the walker follows one node
 * per level instead of comparing every path at every key.
 */
export interface PathTreeNode<T> {
  readonly children: Map<string, PathTreeNode<T>>;
  /** Set when a path ends at this node. */
  value: T | undefined;
}

/**
 * Builds the tree; `merge` decides the value when two paths end at the same node.
 * Returns `undefined` for no paths, which the walker reads as "no rule below here".
 */
export function buildPathTree<T>(
  paths: Iterable<readonly [path: string, value: T]>,
  merge: (existing: T, added: T) => T,
): PathTreeNode<T> | undefined {
  let root: PathTreeNode<T> | undefined;
  for (const [path, value] of paths) {
    root ??= { children: new Map(), value: undefined };
    let node = root;
    for (const segment of path.toLowerCase().split('.')) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map(), value: undefined };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.value = node.value === undefined ? value : merge(node.value, value);
  }
  return root;
}
