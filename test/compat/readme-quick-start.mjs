// The README's quick start is code: each block preceded by `<!-- quick-start: FILE -->` is
// written to FILE. A block marked `<!-- quick-start(fastify): FILE -->` replaces FILE for the
// Fastify variant.
const MARKER = /<!-- quick-start(?:\((\w+)\))?: ([\w.-]+) -->\s*\n```(?:ts|typescript)\n([\s\S]*?)```/g;

/** @returns {Map<string, string>} file name → code, for the given HTTP platform. */
export function extractQuickStart(readme, platform = 'express') {
  const files = new Map();
  const variants = new Map();
  for (const [, variant, file, code] of readme.matchAll(MARKER)) {
    if (variant === undefined) files.set(file, code);
    else if (variant === platform) variants.set(file, code);
  }
  for (const [file, code] of variants) files.set(file, code);
  if (files.size === 0) throw new Error('README.md has no quick-start blocks');
  return files;
}
