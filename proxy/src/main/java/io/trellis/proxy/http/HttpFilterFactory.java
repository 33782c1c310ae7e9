package io.trellis.proxy.http;

/** Built once per config from one {@code http_filters[]} entry; creates a filter instance per stream. */
@FunctionalInterface
public interface HttpFilterFactory {
  HttpFilter create();
}
