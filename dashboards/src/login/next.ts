/**
 * Where to go after login: `?next=` only when it is a path on this gateway. A browser reads `\` as
 * `/` and drops tabs and newlines, so `/\evil.example` and `/<tab>/evil.example` leave the site though
 * they start with one slash; the answer is to let the URL parser decide and compare origins, after
 * refusing backslashes and control characters outright (docs/security.md: open redirect).
 */
export function safeNext(next: string | null, origin: string): string | undefined {
  if (!next?.startsWith('/')) return undefined
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return undefined
  let url: URL
  try {
    url = new URL(next, origin)
  } catch {
    return undefined
  }
  if (url.origin !== origin) return undefined
  return url.pathname + url.search + url.hash
}
