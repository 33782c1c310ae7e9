/**
 * Access logs: Envoy's file, stdout and stderr access loggers with Envoy's text and JSON formats and operators
 * (plus Trellis' {@code %TRELLIS_REASON%}). Formats are parsed once when config is applied into small operator
 * objects; lines are formatted on the event loop and written by one background thread, so the loops never block on
 * a file.
 */
package io.trellis.proxy.accesslog;
