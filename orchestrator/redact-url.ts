/**
 * Credentials in URLs (`http://user:secret@host/`) must never reach a terminal, a log, `--json` or a report. Every
 * place that prints or stores a URL given by the user (or a message that may quote one) passes it through here.
 */

/** `scheme://userinfo@`; userinfo stops at the first `@`, `/`, `?`, `#`, whitespace or quote. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@"'`<>]+)@/gi;

/**
 * `text` with the credentials of every URL in it masked: `http://user:pass@h/` → `http://user:***@h/`, and a bare
 * `https://TOKEN@h/` → `https://***@h/` (a lone user name is as often a token as a name). Works on a single URL and
 * on a free text quoting URLs (an error message); text without `scheme://…@` comes back unchanged.
 */
export function redactUrl(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(USERINFO, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon >= 0 ? `${scheme}${userinfo.slice(0, colon)}:***@` : `${scheme}***@`;
  });
}
