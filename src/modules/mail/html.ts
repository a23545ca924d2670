/** Escapes text for an HTML body, so a name or an address cannot inject markup into a message. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A short message with one action link, as text and as simple HTML. */
export function linkMessage(input: { greeting: string; paragraphs: readonly string[]; link: { url: string; label: string } | undefined; footer: string }): { text: string; html: string } {
  const linkText = input.link === undefined ? [] : [`${input.link.label}: ${input.link.url}`];
  const text = [input.greeting, ...input.paragraphs, ...linkText, input.footer].join('\n\n');
  const linkHtml = input.link === undefined ? [] : [`<p><a href="${escapeHtml(input.link.url)}">${escapeHtml(input.link.label)}</a></p>`];
  const html = [`<p>${escapeHtml(input.greeting)}</p>`, ...input.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`), ...linkHtml, `<p><small>${escapeHtml(input.footer)}</small></p>`].join('\n');
  return { text, html };
}
