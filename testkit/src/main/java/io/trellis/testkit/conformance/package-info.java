/**
 * Byte-level tools for the proxy's protocol conformance and bad-input suites: an HTTP/1.1 upstream that records every
 * byte it receives and judges each forwarded request with a strict reference parser ({@link
 * io.trellis.testkit.conformance.RecordingUpstream}), a raw-socket HTTP/1.1 client that controls every byte it sends
 * ({@link io.trellis.testkit.conformance.RawHttp1Client}), a raw-frame HTTP/2 client ({@link
 * io.trellis.testkit.conformance.RawH2Connection}, {@link io.trellis.testkit.conformance.Hpack}) and the per-suite
 * verdict collector that prints the summary line ({@link io.trellis.testkit.conformance.Verdicts}).
 *
 * <p>Everything here runs on loopback, binds port 0, and bounds every read with a deadline.
 */
package io.trellis.testkit.conformance;
