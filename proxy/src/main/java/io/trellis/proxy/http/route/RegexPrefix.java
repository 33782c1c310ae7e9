package io.trellis.proxy.http.route;

/**
 * Finds a literal prefix that every full match of a regex must start with, conservatively: the leading run of plain
 * characters, without one that a quantifier follows; nothing when the regex has an alternation, a flag group or an
 * escape before the run ends. Used to skip running a regex on paths that cannot match.
 */
final class RegexPrefix {
  private RegexPrefix() {}

  static String of(String regex) {
    if (regex.indexOf('|') >= 0) {
      return "";
    }
    int i = regex.startsWith("^") ? 1 : 0;
    StringBuilder sb = new StringBuilder();
    for (; i < regex.length(); i++) {
      char c = regex.charAt(i);
      if (isPlain(c)) {
        sb.append(c);
        continue;
      }
      if ((c == '?' || c == '*' || c == '+' || c == '{') && !sb.isEmpty()) {
        sb.setLength(sb.length() - 1); // the last literal is optional or repeated
      }
      break;
    }
    return sb.toString();
  }

  private static boolean isPlain(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '_'
        || c == '-' || c == '~' || c == '%' || c == '=' || c == ',' || c == ';' || c == ':' || c == '@' || c == '!'
        || c == '&' || c == '\'' || c == '"' || c == ' ';
  }
}
