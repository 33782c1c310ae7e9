/**
 * JMH microbenchmarks of the proxy's hot paths (host picking, header handling...). Each benchmark states what it
 * measures and how to run it; results are per operation on one thread, the way an event loop runs them.
 */
package io.trellis.bench.jmh;
