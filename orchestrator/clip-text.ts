/** `text` cut to `max` characters with an ellipsis, so one huge value (a 2 MB URL, a big result) keeps a line readable. */
export function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
