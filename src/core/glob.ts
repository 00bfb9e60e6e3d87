/** Characters that mean something in a regular expression and must match literally in a glob. */
const regexSyntax = /[.*+?^${}()|[\]\\/]/g;

/** `*` matches any run of characters (also none), `?` exactly one; the pattern must match the whole name. */
export function globMatches(pattern: string, name: string): boolean {
  const source = Array.from(pattern, (char) => {
    if (char === "*") return ".*";
    if (char === "?") return ".";
    return char.replace(regexSyntax, "\\$&");
  }).join("");
  // `s` lets `*` and `?` cross line breaks; `u` makes `?` one code point, not one UTF-16 half.
  return new RegExp(`^${source}$`, "su").test(name);
}
