# Sourced by ./trellis and bench/run: find_jdk prints the home of a JDK >= $REQUIRED_JAVA (default 25) or fails.
# Looks at JAVA_HOME, the java on PATH, /usr/lib/jvm, /opt/java, ~/.sdkman and ~/.jdks, in that order.
REQUIRED_JAVA="${REQUIRED_JAVA:-25}"

java_major() { # prints the major version of the java at $1, or nothing
  "$1" -version 2>&1 | sed -n 's/.*version "\([0-9][0-9]*\).*/\1/p' | head -n 1
}

find_jdk() {
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  local d
  for d in /usr/lib/jvm/*25* /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
           "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$d" ] && candidates+=("$d")
  done
  for d in "${candidates[@]}"; do
    if [ -x "$d/bin/java" ] && [ -x "$d/bin/javac" ]; then
      local v
      v="$(java_major "$d/bin/java")"
      if [ -n "$v" ] && [ "$v" -ge "$REQUIRED_JAVA" ]; then
        echo "$d"
        return 0
      fi
    fi
  done
  return 1
}
