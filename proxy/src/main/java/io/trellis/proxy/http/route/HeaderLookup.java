package io.trellis.proxy.http.route;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.Iterator;
import java.util.Locale;

/**
 * Reads one request header by its lower-case name as Envoy sees it: the pseudo-headers {@code :method}, {@code :path},
 * {@code :authority} and {@code :scheme} come from the {@link RequestHead}, others from its headers, and several values
 * of one header are joined with "," (Envoy's {@code getAllOfHeaderAsString}).
 */
final class HeaderLookup {
  private enum Kind { METHOD, PATH, AUTHORITY, SCHEME, HEADER }

  private final String name;
  private final AsciiString asciiName;
  private final Kind kind;

  HeaderLookup(String lowerCaseName) {
    this.name = lowerCaseName;
    this.asciiName = AsciiString.cached(lowerCaseName);
    this.kind = switch (lowerCaseName) {
      case ":method" -> Kind.METHOD;
      case ":path" -> Kind.PATH;
      case ":authority" -> Kind.AUTHORITY;
      case ":scheme" -> Kind.SCHEME;
      default -> Kind.HEADER;
    };
  }

  static HeaderLookup of(String name) {
    return new HeaderLookup(name.toLowerCase(Locale.ROOT));
  }

  String name() {
    return name;
  }

  /** All values joined with ","; null when the header is absent. */
  String joined(RequestHead request) {
    return switch (kind) {
      case METHOD -> request.method();
      case PATH -> request.path();
      case AUTHORITY -> request.authority();
      case SCHEME -> request.scheme();
      case HEADER -> joined(request.headers());
    };
  }

  /** The first value; null when absent. */
  String first(RequestHead request) {
    return kind == Kind.HEADER ? request.headers().get(asciiName) : joined(request);
  }

  private String joined(HttpHeaders headers) {
    Iterator<String> it = headers.valueStringIterator(asciiName);
    if (!it.hasNext()) {
      return null;
    }
    String first = it.next();
    if (!it.hasNext()) {
      return first;
    }
    // Several values: join them in arrival order (Netty's value iterator may run newest first; getAll is ordered).
    return String.join(",", headers.getAll(asciiName));
  }

  boolean present(RequestHead request) {
    return kind == Kind.HEADER ? request.headers().contains(asciiName) : joined(request) != null;
  }
}
