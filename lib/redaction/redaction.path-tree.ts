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
    for (const segment of splitFieldPath(path.toLowerCase())) {
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

/**
 * The segments of a field entry: split on dots, except a dot escaped by a backslash, which
 * belongs to the segment (`'user\\.email'` is the one literal key `user.email`). An entry of one segment is a
 * field name, matched at any depth; more segments make a path from the payload root.
 */
export function splitFieldPath(entry: string): string[] {
  if (!entry.includes('\\')) return entry.split('.');
  const segments: string[] = [];
  let current = '';
  for (let i = 0; i < entry.length; i++) {
    const char = entry[i]!;
    if (char === '\\' && entry[i + 1] === '.') {
      current += '.';
      i++;
    } else if (char === '.') {
      segments.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  segments.push(current);
  return segments;
}
