/**
 * Code blocks of the repository's Markdown, so tests run documented commands
 * as written instead of a copy that can drift from the text.
 */

/** The text of the `## heading` section, up to the next heading of level 1 or 2. */
export function markdownSection(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const rest = markdown.slice(start + heading.length + 5);
  const end = rest.search(/\n#{1,2} /);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The bodies of the fenced code blocks of `text` whose info string is `language`, in order. */
export function fencedBlocks(text: string, language: string): string[] {
  const blocks: string[] = [];
  const fence = /^```([^\n]*)\n([\s\S]*?)^```$/gm;
  for (const match of text.matchAll(fence)) if (match[1]!.trim() === language) blocks.push(match[2]!);
  return blocks;
}
