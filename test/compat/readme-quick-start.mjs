// The README's quick start is code: each block preceded by `<!-- quick-start: FILE -->` is
// written to FILE. A block marked `<!-- quick-start(fastify): FILE -->` replaces FILE for the
// Fastify variant.
const MARKER =
  /<!-- quick-start(?:\((\w+)\))?: ([\w.-]+) -->\s*\n```(?:ts|typescript)\n([\s\S]*?)```/g;

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

const INSTALL = /<!-- install -->\s*\n```bash\n([\s\S]*?)```/;
const OVERRIDES = /<!-- install-overrides -->\s*\n```json\n([\s\S]*?)```/;

/**
 * The README's install commands for a Node and a Nest major, in order, as the package lists
 * of `npm install`: a line whose comment starts `Node 20` is for Node 20 only, `Node >= 22`
 * for newer; `Nest 11:` / `Nest 12:` for that Nest major only.
 */
export function installCommands(readme, nodeMajor, nestMajor) {
  const block = INSTALL.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no install block');
  const commands = [];
  for (const line of block.split('\n')) {
    const [command, comment = ''] = line.split('#').map((part) => part.trim());
    if (!command.startsWith('npm install ')) continue;
    if (/^Node 20$/.test(comment) && nodeMajor !== 20) continue;
    if (/^Node >= 22/.test(comment) && nodeMajor === 20) continue;
    const nest = /^Nest (\d+)\b/.exec(comment)?.[1];
    if (nest !== undefined && Number(nest) !== nestMajor) continue;
    commands.push(command.split(/\s+/).slice(2));
  }
  return commands;
}

/** The `overrides` the README tells Nest 12 users to add to their package.json. */
export function installOverrides(readme) {
  const block = OVERRIDES.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no install-overrides block');
  return JSON.parse(`{${block}}`).overrides;
}
